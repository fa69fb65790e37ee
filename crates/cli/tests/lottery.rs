//! `cstk lottery`: a short run on the bundled digits writes its table, JSON and plot; bad
//! flags and data fail cleanly.

mod common;

use common::{assert_fails, cstk, s, scratch_dir, stdout};
use serde_json::Value;

#[test]
fn short_run_writes_the_table_json_and_plot() {
    let dir = scratch_dir("lottery");
    let out = dir.join("out");
    let o = cstk(&[
        "lottery",
        "--rounds",
        "2",
        "--epochs",
        "6",
        "--hidden",
        "24",
        "--seed",
        "3",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("round  weights left  acc rewind  acc reinit"),
        "{text}"
    );
    let j: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("lottery.json")).unwrap()).unwrap();
    assert_eq!(
        (j["n_train"].as_u64(), j["n_test"].as_u64()),
        (Some(1437), Some(360))
    );
    let rounds = j["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 3);
    for r in rounds {
        // 10 classes: chance is 0.1.
        assert!(r["accuracy_rewind"].as_f64().unwrap() > 0.8, "{r}");
        assert!(r["accuracy_reinit"].as_f64().unwrap() > 0.8, "{r}");
    }
    assert!(rounds[2]["remaining"].as_f64().unwrap() < 0.7);
    let img = image::open(out.join("lottery.png")).unwrap();
    assert_eq!((img.width(), img.height()), (800, 500));
}

#[test]
fn bad_flags_and_data_fail_cleanly() {
    let dir = scratch_dir("lottery-bad");
    let out = dir.join("out");
    let run = |extra: &[&str]| {
        let mut a = vec!["lottery", "--out", s(&out)];
        a.extend_from_slice(extra);
        cstk(&a)
    };
    assert_fails(&run(&["--rate", "1.5"]), &["--rate 1.5"]);
    assert_fails(&run(&["--rounds", "0"]), &["--rounds 0"]);
    assert_fails(&run(&["--hidden", "8,0"]), &["--hidden"]);
    assert_fails(&run(&["--target", "nope"]), &["nope"]);
    let csv = dir.join("bad.csv");
    std::fs::write(&csv, "a,b,digit\n1,2,0\n3,4,1.5\n").unwrap();
    assert_fails(&run(&["--data", s(&csv)]), &["row 3", "class labels"]);
    assert!(!out.exists());
}
