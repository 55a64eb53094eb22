//! Where each node of the computational graph goes on the page: a column per depth (the
//! forward pass reads left to right, as in the lecture's figures), and an order within each
//! column that keeps edges short (the barycenter heuristic of Sugiyama, Tagawa and Toda,
//! "Methods for visual understanding of hierarchical system structures", 1981).

use nn_codegen::explain::Picture;

/// A node's place: its column and its row within the column (both from 0).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Place {
    /// The column: 0 for the first arguments, one more than the deepest operand for an
    /// operation; an argument or a constant sits in the column just before its first user.
    pub column: usize,
    /// The row within the column, counted from the top.
    pub row: usize,
}

/// Sweeps of the barycenter ordering, down and up; a few settle graphs of this size.
const SWEEPS: usize = 4;

/// The place of every node of `picture`, in the order of `picture.nodes`.
pub fn places(picture: &Picture) -> Vec<Place> {
    let n = picture.nodes.len();
    let index = |id: usize| picture.nodes.iter().position(|node| node.id == id);
    let edges: Vec<(usize, usize)> = picture
        .edges
        .iter()
        .filter_map(|e| Some((index(e.from)?, index(e.to)?)))
        .collect();
    let operands = |k: usize| edges.iter().filter(move |e| e.1 == k).map(|e| e.0);
    let users = |k: usize| edges.iter().filter(move |e| e.0 == k).map(|e| e.1);
    // Depth: the nodes come in the order of the forward pass, so operands come first.
    let mut column = vec![0usize; n];
    for k in 0..n {
        column[k] = operands(k).map(|o| column[o] + 1).max().unwrap_or(0);
    }
    // Arguments and constants next to their first user, not all in column 0.
    for k in 0..n {
        if operands(k).next().is_none() {
            if let Some(first) = users(k).map(|u| column[u]).min() {
                column[k] = first.saturating_sub(1);
            }
        }
    }
    let columns = column.iter().max().map_or(0, |m| m + 1);
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); columns];
    for (k, &c) in column.iter().enumerate() {
        order[c].push(k);
    }
    let mut row = vec![0f64; n];
    let renumber = |order: &[Vec<usize>], row: &mut [f64]| {
        for nodes in order {
            for (r, &k) in nodes.iter().enumerate() {
                row[k] = r as f64;
            }
        }
    };
    renumber(&order, &mut row);
    for sweep in 0..SWEEPS {
        let down = sweep % 2 == 0;
        let columns: Vec<usize> = if down {
            (1..order.len()).collect()
        } else {
            (0..order.len().saturating_sub(1)).rev().collect()
        };
        for c in columns {
            let mut keyed: Vec<(f64, usize)> = order[c]
                .iter()
                .map(|&k| {
                    let near: Vec<f64> = if down {
                        operands(k).map(|o| row[o]).collect()
                    } else {
                        users(k).map(|u| row[u]).collect()
                    };
                    let key = if near.is_empty() {
                        row[k]
                    } else {
                        near.iter().sum::<f64>() / near.len() as f64
                    };
                    (key, k)
                })
                .collect();
            // Stable: ties keep the forward pass's order.
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            order[c] = keyed.into_iter().map(|(_, k)| k).collect();
            renumber(&order, &mut row);
        }
    }
    (0..n)
        .map(|k| Place {
            column: column[k],
            row: row[k] as usize,
        })
        .collect()
}
