//! Moderation (C5): reports, review queues (per community, and the
//! instance's), moderators' actions with their reasons, the moderation log,
//! and what authors are told. Domain code over the database; no HTTP.
//!
//! - A report about content goes to every community the content is shared in
//!   that the reporter can read there (one `reports` row each); a report about
//!   a person goes to the instance (`community_id` NULL).
//! - An action changes the content's state, writes a `mod_log` row, resolves
//!   the related open reports and tells the author (a `notifications` row of
//!   kind `moderation` whose `data` is `{"action", "reason", "community"}`),
//!   all in one transaction.
//! - Who may act is decided by `crate::policy` (`ModerateCommunity`,
//!   `ApproveCommunities`, `ManageUser`); the operations ask it themselves.
//!
//! Layout:
//! - [`model`]: the vocabulary (categories, actions, scopes, targets) and what
//!   the content is, where it is shared and who sees it;
//! - [`queues`]: what may be reported and where it goes, the review queues;
//! - [`log`]: the moderation log and what authors are told;
//! - [`ops`]: the operations — filing a report, acting (which also
//!   dismisses) — called by the pages (`web::moderation`) and the API
//!   (`api::moderation`) alike.

pub mod log;
pub mod model;
pub mod ops;
pub mod queues;

pub use log::*;
pub use model::*;
pub use ops::{ActRequest, Done, Filed, check_reason};
pub use queues::*;

use crate::ratelimit::Limit;

/// Longest comment on a report.
pub const COMMENT_MAX: usize = 2000;
/// Longest reason given for an action.
pub const REASON_MAX: usize = 500;
/// Reports per page of a queue, entries per page of the log.
pub const PAGE_SIZE: i64 = 30;
/// Reports one person may file per hour.
pub const REPORTS_PER_ACCOUNT: Limit = Limit {
    max: 30,
    window_secs: 3600,
};
/// Characters of content shown in a queue.
const EXCERPT_MAX: usize = 280;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        for a in Act::ALL {
            assert_eq!(Act::parse(a.as_str()), Some(*a));
        }
        assert_eq!(Category::parse("nope"), None);
        assert_eq!(
            Category::OffTopic.label_key(),
            "moderation-category-off-topic"
        );
    }

    #[test]
    fn reasons() {
        assert_eq!(
            check_reason(Act::Remove, "  "),
            Err("moderation-reason-required")
        );
        assert_eq!(check_reason(Act::Restore, ""), Ok(String::new()));
        assert_eq!(
            check_reason(Act::Ban, &"x".repeat(REASON_MAX + 1)),
            Err("field-too-long")
        );
        assert_eq!(
            check_reason(Act::Lock, " Hors sujet "),
            Ok("Hors sujet".into())
        );
    }

    #[test]
    fn excerpts_are_cut() {
        assert_eq!(excerpt("a\n\n b", 10), "a b");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }

    #[test]
    fn every_label_is_translated() {
        for lang in crate::i18n::Lang::ALL {
            for c in Category::ALL {
                assert!(lang.has(&c.label_key()) && lang.has(&c.hint_key()), "{c:?}");
            }
            for a in Act::ALL {
                assert!(lang.has(&a.label_key()), "{a:?}");
            }
            for action in LOGGED_ACTIONS {
                assert!(lang.has(&log_label_key(action)), "{action}");
            }
        }
    }
}
