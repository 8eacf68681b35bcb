//! The text inside a PDF, so that search finds a resource by the words of
//! its documents.
//!
//! **Parsing** is `lopdf` (MIT, maintained; no default features): each page's
//! text through `extract_text_with_limit`, which bounds every stream it
//! decompresses. We keep at most [`MAX_PAGES`] pages and [`MAX_CHARS`]
//! characters, whitespace collapsed.
//!
//! **A hostile PDF cannot hang the server.** A parser of this size may still
//! loop, recurse deeply or allocate a lot on a crafted file, and a thread
//! cannot be stopped from outside. So the server never parses a PDF itself:
//! [`extract_bounded`] runs `passerelles pdf-text` (this same binary) as a
//! child process that first lowers its own address-space and CPU limits
//! ([`run_helper`]), reads the bytes on standard input and writes the text
//! on standard output; the parent kills it at the wall-clock deadline and
//! reads at most [`MAX_CHARS`] × 4 bytes. Whatever happens in the child, the
//! server gets some text or none, within the deadline. The fuzz target
//! `pdf_text` runs [`extract`] itself.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Pages read per document.
pub const MAX_PAGES: usize = 300;
/// Characters kept per document.
pub const MAX_CHARS: usize = 100_000;
/// Bytes any one stream may decompress to.
const MAX_DECOMPRESSED: usize = 32 * 1024 * 1024;
/// The helper's wall-clock deadline (and CPU limit).
pub const TIMEOUT: Duration = Duration::from_secs(8);
/// The helper's address space.
const MAX_ADDRESS_SPACE: u64 = 1024 * 1024 * 1024;

/// Is this a PDF (by its first bytes)?
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.len() > 5
        && bytes[..1024.min(bytes.len())]
            .windows(5)
            .any(|w| w == b"%PDF-")
}

/// The text of a PDF, in this process (the helper's work; fuzzed). `None`
/// when nothing could be read.
pub fn extract(bytes: &[u8]) -> Option<String> {
    let doc = lopdf::Document::load_mem(bytes).ok()?;
    let mut out = String::new();
    for page in doc.get_pages().keys().take(MAX_PAGES) {
        let Ok(t) = doc.extract_text_with_limit(&[*page], MAX_DECOMPRESSED) else {
            continue;
        };
        for word in t.split_whitespace() {
            let clean: String = word.chars().filter(|c| !c.is_control()).collect();
            if clean.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&clean);
        }
        if out.chars().count() >= MAX_CHARS {
            break;
        }
    }
    let out: String = out.chars().take(MAX_CHARS).collect();
    (!out.trim().is_empty()).then_some(out)
}

/// Extract in a child process (`helper pdf-text`), killed at [`TIMEOUT`].
/// Blocking: call from `spawn_blocking`. `None` when the helper failed,
/// timed out or found no text.
pub fn extract_bounded(helper: &Path, bytes: &[u8]) -> Option<String> {
    extract_with(helper, bytes, TIMEOUT)
}

pub fn extract_with(helper: &Path, bytes: &[u8], timeout: Duration) -> Option<String> {
    let mut child = Command::new(helper)
        .arg("pdf-text")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| tracing::warn!(error = %e, helper = %helper.display(), "PDF text helper did not start"))
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = bytes.to_vec();
    // Written and read on threads of their own, so that neither pipe can
    // block the deadline below.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.take((MAX_CHARS * 4) as u64).read_to_end(&mut out);
        out
    });
    let deadline = Instant::now() + timeout;
    let ok = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.success(),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                tracing::warn!("PDF text helper stopped at its deadline");
                break false;
            }
        }
    };
    let _ = writer.join();
    let out = reader.join().ok()?;
    if !ok {
        return None;
    }
    let text = String::from_utf8_lossy(&out);
    let text: String = text.chars().take(MAX_CHARS).collect();
    (!text.trim().is_empty()).then_some(text)
}

/// `passerelles pdf-text`: lower this process's limits, read a PDF on
/// standard input, write its text on standard output. Exit status 0 with
/// text, 1 with none.
pub fn run_helper() -> i32 {
    limit_self();
    let mut bytes = Vec::new();
    if std::io::stdin()
        .take((super::files::MAX_FILE_BYTES + 1) as u64)
        .read_to_end(&mut bytes)
        .is_err()
    {
        return 1;
    }
    match extract(&bytes) {
        Some(t) => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(t.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                return 1;
            }
            0
        }
        None => 1,
    }
}

fn limit_self() {
    let set = |resource, value: u64| {
        let lim = libc::rlimit {
            rlim_cur: value as libc::rlim_t,
            rlim_max: value as libc::rlim_t,
        };
        // SAFETY: setrlimit reads a valid, initialised struct; it only
        // lowers this process's own limits.
        unsafe { libc::setrlimit(resource, &lim) };
    };
    set(libc::RLIMIT_AS, MAX_ADDRESS_SPACE);
    set(libc::RLIMIT_CPU, TIMEOUT.as_secs());
    set(libc::RLIMIT_CORE, 0);
}

/// The helper to run: the configured one, else this very binary.
pub fn helper_path(config: &crate::config::Config) -> Option<std::path::PathBuf> {
    config
        .pdf_helper
        .clone()
        .or_else(|| std::env::current_exe().ok())
}

/// A minimal one-page PDF showing `text` (Helvetica, WinAnsi): tests, the
/// demo seed and the fuzz seeds make their documents with it.
pub fn sample_pdf(text: &str) -> Vec<u8> {
    let escaped: String = text
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .flat_map(|c| match c {
            '(' | ')' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let content = format!("BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_words_of_a_pdf_and_nothing_of_garbage() {
        let pdf = sample_pdf("Programme de soutien aux cooperatives jardinieres");
        assert!(is_pdf(&pdf));
        let t = extract(&pdf).expect("text");
        assert!(t.contains("cooperatives"), "{t}");
        assert!(t.contains("jardinieres"), "{t}");
        assert_eq!(extract(b"%PDF-1.4\n garbage"), None);
        assert_eq!(extract(b"not a pdf at all"), None);
        assert!(!is_pdf(b"hello"));
    }

    fn script(name: &str, body: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir =
            std::env::temp_dir().join(format!("passerelles-pdfhelper-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("dir");
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        p
    }

    #[test]
    fn the_helper_answers_or_is_stopped_at_the_deadline() {
        let good = script("good", "cat >/dev/null; printf 'mots du document'");
        assert_eq!(
            extract_with(&good, b"%PDF-1.4", TIMEOUT).as_deref(),
            Some("mots du document")
        );
        // A helper stuck in a hostile file: it never answers.
        let stuck = script("stuck", "exec sleep 30");
        let started = Instant::now();
        assert_eq!(
            extract_with(&stuck, b"%PDF-1.4", Duration::from_millis(300)),
            None
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "killed at the deadline"
        );
        // One that fails gives no text, whatever it printed.
        let failing = script("failing", "printf 'partial'; exit 1");
        assert_eq!(extract_with(&failing, b"%PDF-1.4", TIMEOUT), None);
        for p in [good, stuck, failing] {
            let _ = std::fs::remove_dir_all(p.parent().expect("dir"));
        }
    }
}
