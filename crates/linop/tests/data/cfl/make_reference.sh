#!/bin/sh
# Regenerates the BART reference arrays used by crates/linop/tests/cfl.rs.
# Needs BART (tested with v0.8.00, Debian package `bart`) on PATH; the tests themselves
# only read the committed files, so they do not need BART.
#
#   phantom8    8x8 Shepp-Logan phantom (real values), dims "8 8 1 ... 1" (16 dims)
#   kspace8     its unitary centred 2-D FFT (complex), dims "8 8 1 ... 1"
#   mask8       8x8 Poisson-disc sampling mask, dims "1 8 8 1 1" (5 dims, as BART writes it)
#   mask8_2d    the same mask reshaped to dims "8 8 1 ... 1"
set -eu
cd "$(dirname "$0")"
bart phantom -x 8 phantom8
bart fft -u 3 phantom8 kspace8
bart poisson -Y 8 -Z 8 -y 1.5 -z 1.5 -C 2 -s 1 mask8
bart reshape 7 8 8 1 mask8 mask8_2d
