//! The lottery-ticket experiment on the bundled digits: shape of the schedule, accuracies
//! far above chance, determinism, and errors.

mod common;

use common::digits;
use cstk_ml::lottery::Lottery;
use cstk_ml::mlp::Train;

#[test]
fn rounds_prune_twenty_percent_and_stay_far_above_chance() {
    let ((x, y), (xt, yt)) = digits();
    let exp = Lottery {
        hidden: vec![32],
        rounds: Some(3),
        train: Train::default().epochs(8),
        seed: 2,
        ..Lottery::default()
    };
    let res = exp.run((&x, &y), (&xt, &yt)).unwrap();
    assert_eq!(res.sizes, vec![64, 32, 10]);
    assert_eq!(res.rounds.len(), 4);
    for (k, r) in res.rounds.iter().enumerate() {
        assert_eq!(r.round, k);
        // hidden layer: exactly round(0.2 · remaining) pruned per round; output layer 10%.
        let hidden_left = [2048.0, 1638.0, 1310.0, 1048.0][k] / 2048.0;
        assert!((r.layer_remaining[0] - hidden_left).abs() < 1e-12, "{r:?}");
        assert!(r.accuracy_rewind > 0.8 && r.accuracy_reinit > 0.8, "{r:?}");
        assert_eq!(r.activation_sparsity_rewind.len(), 1);
    }
    assert_eq!(res.rounds[0].accuracy_rewind, res.rounds[0].accuracy_reinit);
    assert_eq!(res, exp.run((&x, &y), (&xt, &yt)).unwrap());
    // Stopping at a kept share instead of a round count.
    let short = Lottery {
        min_remaining: 0.7,
        ..exp.clone()
    };
    let r = short.run((&x, &y), (&xt, &yt)).unwrap();
    assert!(r.rounds.last().unwrap().remaining <= 0.7);
    assert!(r.rounds[r.rounds.len() - 2].remaining > 0.7);
}

#[test]
fn bad_parameters_and_data_are_errors() {
    let x = vec![0.0f32; 8];
    let y = vec![0usize, 1];
    for bad in [
        Lottery {
            rate: 1.0,
            ..Lottery::default()
        },
        Lottery {
            rate: 0.0,
            ..Lottery::default()
        },
        Lottery {
            min_remaining: 0.0,
            ..Lottery::default()
        },
        Lottery {
            rounds: Some(0),
            ..Lottery::default()
        },
    ] {
        assert!(bad.run((&x, &y), (&x, &y)).is_err());
    }
    assert!(Lottery::default().run((&x[..7], &y), (&x, &y)).is_err());
    assert!(Lottery::default().run((&x, &y), (&x[..4], &y)).is_err());
}
