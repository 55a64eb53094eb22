use nn::network;

#[network]
fn net(x: [f32; 2], matmul_batch: [[f32; 2]; 2], d_output: [f32; 2]) -> f32 {
    y = d_output·(matmul_batch·x)
}

fn main() {}
