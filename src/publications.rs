//! Publications (discussions, questions, watch items) shared into one or
//! more communities, with their replies. Domain operations; no HTTP.
//! (Being built: see issue 3.)

use crate::accounts::User;
use crate::communities::Community;
use crate::db::Db;

/// What a community page or a listing shows of one publication.
#[derive(Debug, Clone)]
pub struct PublicationSummary {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub excerpt: String,
    pub author_username: Option<String>,
    pub author_name: Option<String>,
    pub created_at: i64,
    pub last_activity_at: i64,
    pub reply_count: i64,
    pub pinned: bool,
    pub tags: Vec<String>,
    pub link_url: Option<String>,
    pub site_name: Option<String>,
}

impl PublicationSummary {
    /// Stable public URL (its future ActivityPub id).
    pub fn path(&self) -> String {
        format!("/p/{}", self.id)
    }
}

/// Publications visible to `viewer` in `community`: pinned first, then
/// newest activity first; `page` is 0-based; returns (items, has_more).
pub async fn list_in_community(
    _db: &Db,
    _viewer: Option<&User>,
    _community: &Community,
    _page: i64,
) -> Result<(Vec<PublicationSummary>, bool), sqlx::Error> {
    Ok((Vec::new(), false))
}
