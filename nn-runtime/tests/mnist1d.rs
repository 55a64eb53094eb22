//! The MNIST-1D data copied into the project (`data/mnist1d.csv`, origin in `data/README.md`):
//! 4,000 training and 1,000 test signals of length 40, labels 0 to 9, every class present in
//! both splits, as the paper's data set has them.

use std::path::Path;

#[test]
fn mnist1d_has_its_published_shape() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mnist1d.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut counts = [[0usize; 10]; 2];
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 42, "{line}");
        let split = match fields[0] {
            "train" => 0,
            "test" => 1,
            other => panic!("split `{other}`"),
        };
        let label: usize = fields[1].parse().unwrap();
        assert!(label < 10, "{line}");
        for v in &fields[2..] {
            let v: f64 = v.parse().unwrap();
            assert!(v.is_finite() && v.abs() < 100.0, "{line}");
        }
        counts[split][label] += 1;
    }
    assert_eq!(counts[0].iter().sum::<usize>(), 4000);
    assert_eq!(counts[1].iter().sum::<usize>(), 1000);
    assert!(counts.iter().flatten().all(|&n| n > 50), "{counts:?}");
}
