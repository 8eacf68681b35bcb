//! A community's file space (C19): nested folders and files with versions
//! (the same name uploaded again in a folder is that file's next version),
//! whose bytes go to the library's content-addressed blob store
//! (`library::storage`), checked by the library's rules (`library::files`).
//! A per-community quota, set by administrators, bounds the bytes of all
//! versions. Read and written through the community
//! (`Action::ViewCommunitySpace`, `EditCommunitySpace`); `ops.rs` holds the
//! changes. No HTTP.

pub mod ops;

use sqlx::Row;

use crate::db::Db;

/// The quota of a community whose administrators set none: 200 MB.
pub const DEFAULT_QUOTA: i64 = 200 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Folder {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct SpaceFile {
    pub id: i64,
    pub folder_id: i64,
    pub name: String,
    pub version: i64,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub uploader: Option<String>,
    pub created_at: i64,
}

/// Every folder of a community.
pub async fn folders(db: &Db, community_id: i64) -> Result<Vec<Folder>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, parent_id, name FROM space_folders WHERE community_id = $1 ORDER BY name, id",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Folder {
                id: r.try_get("id")?,
                parent_id: r.try_get("parent_id")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}

/// The folders from the root down to `folder` (empty for the root).
pub fn path_to(all: &[Folder], folder: i64) -> Vec<Folder> {
    let mut out: Vec<Folder> = Vec::new();
    let mut at = Some(folder).filter(|f| *f != 0);
    while let Some(id) = at {
        let Some(f) = all.iter().find(|f| f.id == id) else {
            break;
        };
        if out.len() > 64 || out.iter().any(|x| x.id == id) {
            break;
        }
        out.push(f.clone());
        at = f.parent_id;
    }
    out.reverse();
    out
}

const FILE_COLUMNS: &str = "f.id, f.folder_id, f.name, f.version, f.content_type, f.sha256, f.size, f.created_at, u.username AS uploader";

fn file_of(r: &sqlx::any::AnyRow) -> Result<SpaceFile, sqlx::Error> {
    Ok(SpaceFile {
        id: r.try_get("id")?,
        folder_id: r.try_get("folder_id")?,
        name: r.try_get("name")?,
        version: r.try_get("version")?,
        content_type: r.try_get("content_type")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        uploader: r.try_get("uploader")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The files of a folder (0: the root), every version, newest first per name.
pub async fn files_in(
    db: &Db,
    community_id: i64,
    folder: i64,
) -> Result<Vec<SpaceFile>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FILE_COLUMNS} FROM space_files f LEFT JOIN users u ON u.id = f.uploaded_by \
         WHERE f.community_id = $1 AND f.folder_id = $2 ORDER BY f.name, f.version DESC"
    )))
    .bind(community_id)
    .bind(folder)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(file_of).collect()
}

pub async fn file(db: &Db, community_id: i64, id: i64) -> Result<Option<SpaceFile>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FILE_COLUMNS} FROM space_files f LEFT JOIN users u ON u.id = f.uploaded_by \
         WHERE f.community_id = $1 AND f.id = $2"
    )))
    .bind(community_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(file_of)
    .transpose()
}

/// (bytes used by every version, quota) of a community's space.
pub async fn usage<'e, E>(e: E, community_id: i64) -> Result<(i64, i64), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let r = sqlx::query(
        "SELECT CAST(COALESCE((SELECT SUM(size) FROM space_files WHERE community_id = $1), 0) AS BIGINT) AS used, \
         file_quota FROM communities WHERE id = $1",
    )
    .bind(community_id)
    .fetch_one(e)
    .await?;
    let used: i64 = r.try_get("used")?;
    let quota: Option<i64> = r.try_get("file_quota")?;
    Ok((used, quota.unwrap_or(DEFAULT_QUOTA)))
}

/// A size for people: "1,5 Mo" / "1.5 MB".
pub fn human_size(bytes: i64, en: bool) -> String {
    let (v, unit) = if bytes >= 1024 * 1024 * 1024 {
        (
            bytes as f64 / (1024.0 * 1024.0 * 1024.0),
            if en { "GB" } else { "Go" },
        )
    } else if bytes >= 1024 * 1024 {
        (
            bytes as f64 / (1024.0 * 1024.0),
            if en { "MB" } else { "Mo" },
        )
    } else if bytes >= 1024 {
        (bytes as f64 / 1024.0, if en { "KB" } else { "ko" })
    } else {
        return format!("{bytes} {}", if en { "B" } else { "o" });
    };
    let s = format!("{v:.1}");
    if en {
        format!("{s} {unit}")
    } else {
        format!("{} {unit}", s.replace('.', ","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_both_languages_and_paths_survive_cycles() {
        assert_eq!(human_size(1536, false), "1,5 ko");
        assert_eq!(human_size(3 * 1024 * 1024, true), "3.0 MB");
        assert_eq!(human_size(12, true), "12 B");
        let f = |id, parent: Option<i64>| Folder {
            id,
            parent_id: parent,
            name: format!("d{id}"),
        };
        let all = vec![f(1, None), f(2, Some(1)), f(3, Some(4)), f(4, Some(3))];
        let p: Vec<i64> = path_to(&all, 2).iter().map(|x| x.id).collect();
        assert_eq!(p, vec![1, 2]);
        assert!(path_to(&all, 0).is_empty());
        assert!(path_to(&all, 3).len() <= 2);
    }
}
