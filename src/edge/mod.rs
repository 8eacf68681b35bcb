//! What the two HTTP entry points (the pages in `web` and the API in `api`)
//! share as plumbing: reading form and multipart bodies, answering with a
//! file download. It is an entry point itself: nothing beneath the entry
//! points (operations, domains) may use it (ARCHITECTURE.md, "Layers").

pub mod download;
mod forms;
pub mod input;

pub use forms::{
    MultipartForm, UPLOAD_BODY, all_ids, download_response, first, form_pairs, read_multipart,
};
