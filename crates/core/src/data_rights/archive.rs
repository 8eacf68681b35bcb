//! Building one archive, streamed: every section reads its rows in pages
//! (keyset, [`PAGE`] at a time), serialises each item straight into the
//! deflating ZIP writer, and the writer's output leaves for the database
//! every [`super::CHUNK`] bytes. So memory holds one page of rows, the
//! deflate state and one chunk, whatever the number of items.
//!
//! **Adding a kind of data** (events, newsletters, library…): write an
//! `async fn` in `sections.rs` that opens `<name>.json` with
//! [`Writer::begin_array`], pushes each item with [`Writer::item`] (reading
//! pages, calling [`Writer::pump`] between them) and ends with
//! [`Writer::end_array`]; call it from [`build`]; add the property to
//! `docs/data-export/schema-v1.json` (a new optional property is a minor
//! change; renaming or removing one makes a `schema-v2.json`) and, if it
//! should appear in the offline index, a block in `html.rs`. The manifest
//! lists every section written, with its count.

use std::io::Write;

use serde::Serialize;

use super::zip::ZipStream;
use crate::accounts::User;
use crate::db::{Db, now};

/// Rows read at a time.
pub const PAGE: i64 = 200;

/// What a build produced.
#[derive(Debug, Clone)]
pub struct Built {
    pub size: u64,
    pub items: i64,
    pub peak_buffer: usize,
}

#[derive(Serialize)]
pub struct SectionInfo {
    pub name: String,
    pub file: String,
    pub count: i64,
}

pub struct Writer<'a> {
    pub db: &'a Db,
    pub user: &'a User,
    /// The instance's public URL (absolute ids in `outbox.json`).
    pub base_url: &'a str,
    pub generated_at: i64,
    /// Where library and community files' bytes are (`None`: metadata only).
    pub store: Option<std::sync::Arc<dyn crate::library::storage::BlobStore>>,
    zip: ZipStream,
    export_id: i64,
    attempt: i64,
    seq: i64,
    sections: Vec<SectionInfo>,
    array: Option<(String, i64)>,
}

impl<'a> Writer<'a> {
    /// Hand the pending output to the database once a chunk is full.
    pub async fn pump(&mut self) -> anyhow::Result<()> {
        if self.zip.buffered() >= super::CHUNK {
            self.store().await?;
        }
        Ok(())
    }

    async fn store(&mut self) -> anyhow::Result<()> {
        let bytes = self.zip.take_output();
        if bytes.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO data_export_chunks (export_id, attempt, seq, bytes) VALUES ($1, $2, $3, $4)",
        )
        .bind(self.export_id)
        .bind(self.attempt)
        .bind(self.seq)
        .bind(bytes)
        .execute(&self.db.pool)
        .await?;
        self.seq += 1;
        Ok(())
    }

    /// A file holding one JSON value.
    pub async fn json<T: Serialize>(
        &mut self,
        name: &str,
        value: &T,
        count: i64,
    ) -> anyhow::Result<()> {
        let file = format!("{name}.json");
        self.zip.start(&file)?;
        serde_json::to_writer_pretty(&mut self.zip, value)?;
        self.sections.push(SectionInfo {
            name: name.to_string(),
            file,
            count,
        });
        self.pump().await
    }

    /// Open `<name>.json` holding an array, written item by item.
    pub fn begin_array(&mut self, name: &str) -> anyhow::Result<()> {
        self.zip.start(&format!("{name}.json"))?;
        self.zip.write_all(b"[")?;
        self.array = Some((name.to_string(), 0));
        Ok(())
    }

    pub fn item<T: Serialize>(&mut self, value: &T) -> anyhow::Result<()> {
        let Some((_, n)) = self.array.as_mut() else {
            anyhow::bail!("no array open");
        };
        if *n > 0 {
            self.zip.write_all(b",")?;
        }
        *n += 1;
        self.zip.write_all(b"\n")?;
        serde_json::to_writer(&mut self.zip, value)?;
        Ok(())
    }

    /// Close the array; its count goes in the manifest.
    pub async fn end_array(&mut self) -> anyhow::Result<i64> {
        let Some((name, n)) = self.array.take() else {
            anyhow::bail!("no array open");
        };
        self.zip.write_all(b"\n]\n")?;
        self.sections.push(SectionInfo {
            file: format!("{name}.json"),
            name,
            count: n,
        });
        self.pump().await?;
        Ok(n)
    }

    /// A file of raw bytes (attachments, the avatar), written in slices.
    pub async fn file(&mut self, path: &str, bytes: &[u8]) -> anyhow::Result<()> {
        self.zip.start(path)?;
        for part in bytes.chunks(256 * 1024) {
            self.zip.write_all(part)?;
            self.pump().await?;
        }
        Ok(())
    }

    /// Start a text file (the HTML index), written with [`Writer::text`].
    pub fn begin_text(&mut self, path: &str) -> anyhow::Result<()> {
        self.zip.start(path)?;
        Ok(())
    }

    pub fn text(&mut self, s: &str) -> anyhow::Result<()> {
        self.zip.write_all(s.as_bytes())?;
        Ok(())
    }

    /// Record a file written with [`Writer::begin_text`] in the manifest.
    pub fn add_section(&mut self, name: &str, file: &str, count: i64) {
        self.sections.push(SectionInfo {
            name: name.to_string(),
            file: file.to_string(),
            count,
        });
    }

    pub fn sections(&self) -> &[SectionInfo] {
        &self.sections
    }
}

/// Build the archive of `user` into `data_export_chunks` under `attempt`.
pub async fn build(
    db: &Db,
    user: &User,
    export_id: i64,
    attempt: i64,
    base_url: &str,
    instance: &str,
    store: Option<std::sync::Arc<dyn crate::library::storage::BlobStore>>,
) -> anyhow::Result<Built> {
    let generated_at = now();
    let mut w = Writer {
        db,
        user,
        base_url,
        generated_at,
        store,
        zip: ZipStream::new(generated_at),
        export_id,
        attempt,
        seq: 0,
        sections: Vec::new(),
        array: None,
    };
    use super::sections as s;
    s::profile(&mut w).await?;
    s::settings(&mut w).await?;
    s::memberships(&mut w).await?;
    s::sessions(&mut w).await?;
    s::publications(&mut w).await?;
    s::replies(&mut w).await?;
    s::follows(&mut w).await?;
    s::saved_searches(&mut w).await?;
    s::notifications(&mut w).await?;
    s::api_tokens(&mut w).await?;
    s::security(&mut w).await?;
    s::tools(&mut w).await?;
    s::organisations(&mut w).await?;
    s::initiatives(&mut w).await?;
    s::drafts(&mut w).await?;
    s::events(&mut w).await?;
    s::rsvps(&mut w).await?;
    s::newsletters(&mut w).await?;
    s::library(&mut w).await?;
    s::library_files(&mut w).await?;
    s::lexicon_proposals(&mut w).await?;
    s::lexicon_edits(&mut w).await?;
    s::wiki_edits(&mut w).await?;
    s::community_files(&mut w).await?;
    s::attachment_files(&mut w).await?;
    s::outbox(&mut w).await?;
    super::html::index(&mut w, instance).await?;
    let items: i64 = w
        .sections
        .iter()
        .filter(|s| !matches!(s.name.as_str(), "profile" | "settings" | "outbox" | "index"))
        .map(|s| s.count)
        .sum();
    let manifest = serde_json::json!({
        "schema": "https://passerelles.quebec/schemas/data-export/v1",
        "schema_version": super::SCHEMA_VERSION,
        "generated_at": crate::data_rights::sections::rfc3339(generated_at),
        "instance": { "name": instance, "url": base_url },
        "person": { "username": user.username, "url": crate::urls::absolute(base_url, &crate::urls::user(&user.username)) },
        "policy": "Everything this account wrote or set, and what the instance recorded about it. \
                   Other people's replies, private messages and reading traces are not included; \
                   publications are referred to by their address.",
        "sections": w.sections,
        "files": { "index": "index.html", "outbox": "outbox.json" },
    });
    w.zip.start("manifest.json")?;
    serde_json::to_writer_pretty(&mut w.zip, &manifest)?;
    w.zip.finish()?;
    let peak = w.zip.peak();
    w.store().await?;
    Ok(Built {
        size: w.zip.written(),
        items,
        peak_buffer: peak,
    })
}
