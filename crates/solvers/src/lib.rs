//! Proximal operators and sparse-recovery algorithms (ISTA, FISTA, OMP, coordinate descent, …) over `cstk-linop` operators.
