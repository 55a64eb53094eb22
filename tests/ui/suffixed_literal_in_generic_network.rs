use nn::network;

#[network]
fn net<T: nn::Float>(x: T, w: T) -> T {
    y = w·x + 1.0f64
}

fn main() {}
