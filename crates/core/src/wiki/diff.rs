//! A side-by-side line diff of two texts (`similar`, Myers with a
//! deadline, so a hostile pair of texts cannot hold a request).

use similar::{DiffOp, TextDiff};

/// What a row of the side-by-side view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Same,
    Removed,
    Added,
    Changed,
}

impl RowKind {
    pub fn class(self) -> &'static str {
        match self {
            RowKind::Same => "same",
            RowKind::Removed => "removed",
            RowKind::Added => "added",
            RowKind::Changed => "changed",
        }
    }
}

/// One row: the old line (number, text) on the left, the new one on the right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub kind: RowKind,
    pub old: Option<(usize, String)>,
    pub new: Option<(usize, String)>,
}

/// Rows of the side-by-side diff; unchanged runs longer than `2 * context`
/// lines are cut to `context` lines on each side of a change (a row of
/// kind `Same` with no lines marks the cut).
pub fn side_by_side(old: &str, new: &str, context: usize) -> Vec<Row> {
    let diff = TextDiff::configure()
        .timeout(std::time::Duration::from_millis(500))
        .diff_lines(old, new);
    let ol: Vec<&str> = old.lines().collect();
    let nl: Vec<&str> = new.lines().collect();
    let line = |v: &[&str], i: usize| Some((i + 1, v.get(i).copied().unwrap_or("").to_string()));
    let mut rows = Vec::new();
    let ops = diff.ops();
    for (k, op) in ops.iter().enumerate() {
        match *op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                let first = k == 0;
                let last = k + 1 == ops.len();
                let keep_head = if first { 0 } else { context };
                let keep_tail = if last { 0 } else { context };
                let same = |i: usize| Row {
                    kind: RowKind::Same,
                    old: line(&ol, old_index + i),
                    new: line(&nl, new_index + i),
                };
                if len > keep_head + keep_tail {
                    rows.extend((0..keep_head).map(same));
                    rows.push(Row {
                        kind: RowKind::Same,
                        old: None,
                        new: None,
                    });
                    rows.extend((len - keep_tail..len).map(same));
                } else {
                    rows.extend((0..len).map(same));
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for i in 0..old_len {
                    rows.push(Row {
                        kind: RowKind::Removed,
                        old: line(&ol, old_index + i),
                        new: None,
                    });
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for i in 0..new_len {
                    rows.push(Row {
                        kind: RowKind::Added,
                        old: None,
                        new: line(&nl, new_index + i),
                    });
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                for i in 0..old_len.max(new_len) {
                    rows.push(Row {
                        kind: RowKind::Changed,
                        old: (i < old_len).then(|| line(&ol, old_index + i)).flatten(),
                        new: (i < new_len).then(|| line(&nl, new_index + i)).flatten(),
                    });
                }
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_changed_lines_and_cuts_long_unchanged_runs() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\nancienne\nfin\n";
        let new = "a\nb\nc\nd\ne\nf\ng\nh\nnouvelle\najout\nfin\n";
        let rows = side_by_side(old, new, 2);
        let changed: Vec<&Row> = rows.iter().filter(|r| r.kind != RowKind::Same).collect();
        assert_eq!(changed[0].kind, RowKind::Changed);
        assert_eq!(changed[0].old, Some((9, "ancienne".to_string())));
        assert_eq!(changed[0].new, Some((9, "nouvelle".to_string())));
        assert_eq!(changed[1].old, None);
        assert_eq!(changed[1].new, Some((10, "ajout".to_string())));
        // The eight equal lines before the change: a cut, then two of them.
        assert_eq!(rows[0].old, None);
        assert_eq!(rows[1].old, Some((7, "g".to_string())));
        assert_eq!(
            side_by_side("x\n", "x\n", 3)
                .iter()
                .filter(|r| r.kind != RowKind::Same)
                .count(),
            0
        );
    }
}
