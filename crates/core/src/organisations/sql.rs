//! A small builder for the filtered listings of this domain and of
//! initiatives: placeholders are numbered as values are bound, so optional
//! filters and the policy's SQL (which names its own `$n`) compose.

use sqlx::any::AnyArguments;
use sqlx::{Any, query::Query};

#[derive(Debug, Clone)]
pub enum Val {
    I(i64),
    S(String),
}

#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<Val>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            binds: Vec::new(),
        }
    }
    /// Bind a value; returns its placeholder (`$n`).
    pub fn bind(&mut self, v: Val) -> String {
        self.binds.push(v);
        format!("${}", self.binds.len())
    }
    /// The number the next bound value will get.
    pub fn next(&self) -> usize {
        self.binds.len() + 1
    }
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    /// The viewer id the policy's SQL needs, bound at the next number, and
    /// that number (0 when nothing is bound: the SQL then names none).
    pub fn viewer(&mut self, viewer: Option<&crate::accounts::User>) -> usize {
        match crate::policy::sql_needs_viewer(viewer) {
            Some(id) => {
                self.bind(Val::I(id));
                self.binds.len()
            }
            None => 0,
        }
    }
    pub fn query(&self) -> Query<'_, Any, AnyArguments> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.text.as_str()));
        for b in &self.binds {
            q = match b {
                Val::I(i) => q.bind(*i),
                Val::S(s) => q.bind(s.as_str()),
            };
        }
        q
    }
}
