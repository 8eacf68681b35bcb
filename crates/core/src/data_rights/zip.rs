//! A streaming ZIP writer (APPNOTE 6.3.x): each entry is deflated as it is
//! written, sizes and CRC go in a data descriptor after the data (flag bit
//! 3), names are UTF-8 (bit 11), and the central directory is written at the
//! end (with the ZIP64 end records when there are 65,535 entries or more, or
//! the directory lies beyond 4 GiB). Nothing needs to seek back, so the
//! output can leave in pieces: the caller takes [`ZipStream::take_output`]
//! whenever [`ZipStream::buffered`] grows past its chunk size. Memory held:
//! the pending output, the deflate state, and one small record per entry.
//!
//! Why our own rather than the `zip` crate: its writer needs `Seek` (or
//! keeps the whole stream in its streaming mode's buffer), and this is the
//! part of the format we need; Python's `zipfile` reads it back in
//! `tests/rp/data_export.py`.

use std::io::{self, Write};

use flate2::Compression;
use flate2::write::DeflateEncoder;

const LOCAL_SIG: u32 = 0x0403_4b50;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
const ZIP64_END_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
/// Data descriptor follows the data; names are UTF-8.
const FLAGS: u16 = 0x0808;
const DEFLATE: u16 = 8;

struct Entry {
    name: String,
    crc: u32,
    compressed: u64,
    size: u64,
    offset: u64,
}

struct Current {
    name: String,
    offset: u64,
    crc: flate2::Crc,
    enc: DeflateEncoder<Vec<u8>>,
    compressed: u64,
}

pub struct ZipStream {
    out: Vec<u8>,
    /// Bytes already handed out plus those in `out`.
    written: u64,
    entries: Vec<Entry>,
    current: Option<Current>,
    /// DOS time and date of every entry (the archive's creation).
    dos_time: u16,
    dos_date: u16,
    peak: usize,
}

impl ZipStream {
    /// `unix`: the time written on every entry.
    pub fn new(unix: i64) -> ZipStream {
        let (dos_time, dos_date) = dos_datetime(unix);
        ZipStream {
            out: Vec::with_capacity(64 * 1024),
            written: 0,
            entries: Vec::new(),
            current: None,
            dos_time,
            dos_date,
            peak: 0,
        }
    }

    /// Begin an entry (ending the previous one). Names are paths with `/`.
    pub fn start(&mut self, name: &str) -> io::Result<()> {
        self.finish_entry()?;
        let offset = self.written;
        let mut h = Vec::with_capacity(30 + name.len());
        put32(&mut h, LOCAL_SIG);
        put16(&mut h, 20);
        put16(&mut h, FLAGS);
        put16(&mut h, DEFLATE);
        put16(&mut h, self.dos_time);
        put16(&mut h, self.dos_date);
        put32(&mut h, 0);
        put32(&mut h, 0);
        put32(&mut h, 0);
        put16(&mut h, name_len(name)?);
        put16(&mut h, 0);
        h.extend_from_slice(name.as_bytes());
        self.emit(&h);
        self.current = Some(Current {
            name: name.to_string(),
            offset,
            crc: flate2::Crc::new(),
            enc: DeflateEncoder::new(Vec::with_capacity(32 * 1024), Compression::fast()),
            compressed: 0,
        });
        Ok(())
    }

    /// End the entry being written, if any (its data descriptor).
    pub fn finish_entry(&mut self) -> io::Result<()> {
        let Some(cur) = self.current.take() else {
            return Ok(());
        };
        let rest = cur.enc.finish()?;
        let compressed = cur.compressed + rest.len() as u64;
        self.emit(&rest);
        let size = u64::from(cur.crc.amount());
        let crc = cur.crc.sum();
        // flate2's Crc counts in u32: entries stay under 4 GiB (attachments
        // are bounded by the upload limit, JSON files far below).
        if compressed > u64::from(u32::MAX) {
            return Err(io::Error::other("zip entry over 4 GiB"));
        }
        let mut d = Vec::with_capacity(16);
        put32(&mut d, DESCRIPTOR_SIG);
        put32(&mut d, crc);
        put32(&mut d, compressed as u32);
        put32(&mut d, size as u32);
        self.emit(&d);
        self.entries.push(Entry {
            name: cur.name,
            crc,
            compressed,
            size,
            offset: cur.offset,
        });
        Ok(())
    }

    /// End the archive: the last entry, the central directory, the end
    /// records. What is left is in [`take_output`](Self::take_output).
    pub fn finish(&mut self) -> io::Result<()> {
        self.finish_entry()?;
        let cd_offset = self.written;
        let entries = std::mem::take(&mut self.entries);
        for e in &entries {
            let mut h = Vec::with_capacity(46 + e.name.len() + 12);
            let big = e.offset >= u64::from(u32::MAX);
            put32(&mut h, CENTRAL_SIG);
            put16(&mut h, (3 << 8) | 45); // made by: Unix, 4.5
            put16(&mut h, if big { 45 } else { 20 });
            put16(&mut h, FLAGS);
            put16(&mut h, DEFLATE);
            put16(&mut h, self.dos_time);
            put16(&mut h, self.dos_date);
            put32(&mut h, e.crc);
            put32(&mut h, e.compressed as u32);
            put32(&mut h, e.size as u32);
            put16(&mut h, name_len(&e.name)?);
            put16(&mut h, if big { 12 } else { 0 });
            put16(&mut h, 0); // comment
            put16(&mut h, 0); // disk
            put16(&mut h, 0); // internal attributes
            put32(&mut h, 0o100_644 << 16); // a regular file, rw-r--r--
            put32(&mut h, if big { u32::MAX } else { e.offset as u32 });
            h.extend_from_slice(e.name.as_bytes());
            if big {
                put16(&mut h, 0x0001);
                put16(&mut h, 8);
                put64(&mut h, e.offset);
            }
            self.emit(&h);
            self.flush_peak();
        }
        let cd_size = self.written - cd_offset;
        let n = entries.len() as u64;
        let mut t = Vec::with_capacity(98);
        let zip64 = n >= 0xFFFF || cd_offset >= u64::from(u32::MAX);
        if zip64 {
            let end64 = cd_offset + cd_size;
            put32(&mut t, ZIP64_END_SIG);
            put64(&mut t, 44);
            put16(&mut t, (3 << 8) | 45);
            put16(&mut t, 45);
            put32(&mut t, 0);
            put32(&mut t, 0);
            put64(&mut t, n);
            put64(&mut t, n);
            put64(&mut t, cd_size);
            put64(&mut t, cd_offset);
            put32(&mut t, ZIP64_LOCATOR_SIG);
            put32(&mut t, 0);
            put64(&mut t, end64);
            put32(&mut t, 1);
        }
        put32(&mut t, END_SIG);
        put16(&mut t, 0);
        put16(&mut t, 0);
        let n16 = if zip64 { 0xFFFF } else { n as u16 };
        put16(&mut t, n16);
        put16(&mut t, n16);
        put32(&mut t, cd_size.min(u64::from(u32::MAX)) as u32);
        put32(&mut t, if zip64 { u32::MAX } else { cd_offset as u32 });
        put16(&mut t, 0);
        self.emit(&t);
        Ok(())
    }

    /// Bytes waiting to be handed out.
    pub fn buffered(&self) -> usize {
        self.out.len()
    }

    /// The largest amount of output ever waiting at once.
    pub fn peak(&self) -> usize {
        self.peak.max(self.out.len())
    }

    /// Total bytes of the archive so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Hand out the pending output.
    pub fn take_output(&mut self) -> Vec<u8> {
        self.flush_peak();
        std::mem::replace(&mut self.out, Vec::with_capacity(64 * 1024))
    }

    fn flush_peak(&mut self) {
        self.peak = self.peak.max(self.out.len());
    }

    fn emit(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
        self.written += bytes.len() as u64;
    }
}

impl Write for ZipStream {
    /// Write into the current entry (an error when none was started).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(cur) = self.current.as_mut() else {
            return Err(io::Error::other("no zip entry started"));
        };
        cur.enc.write_all(buf)?;
        cur.crc.update(buf);
        // Move what the encoder produced into the output.
        let produced = std::mem::take(cur.enc.get_mut());
        cur.compressed += produced.len() as u64;
        self.out.extend_from_slice(&produced);
        self.written += produced.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn name_len(name: &str) -> io::Result<u16> {
    u16::try_from(name.len()).map_err(|_| io::Error::other("zip entry name too long"))
}

fn put16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn put32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn put64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// MS-DOS time and date (UTC; 2-second steps; 1980 at the earliest).
fn dos_datetime(unix: i64) -> (u16, u16) {
    let dt = time::OffsetDateTime::from_unix_timestamp(unix.max(315_532_800))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let time = ((dt.hour() as u16) << 11) | ((dt.minute() as u16) << 5) | (dt.second() as u16 / 2);
    let year = (dt.year() - 1980).clamp(0, 127) as u16;
    let date = (year << 9) | ((dt.month() as u16) << 5) | dt.day() as u16;
    (time, date)
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::ZipStream;

    /// Read the archive back with flate2 alone, through the central
    /// directory: names, sizes, CRCs and content agree.
    #[test]
    fn entries_read_back_through_the_central_directory() {
        let mut z = ZipStream::new(1_780_000_000);
        let mut out = Vec::new();
        z.start("a.json").unwrap();
        z.write_all(b"{\"x\": 1}").unwrap();
        z.start("dossier/é.txt").unwrap();
        let big = "ligne répétée\n".repeat(50_000);
        for part in big.as_bytes().chunks(7_000) {
            z.write_all(part).unwrap();
            if z.buffered() > 4096 {
                out.extend(z.take_output());
            }
        }
        z.finish().unwrap();
        out.extend(z.take_output());
        assert!(z.peak() < 64 * 1024, "output handed out as it came");
        // End of central directory: entries and offset.
        let end = out.len() - 22;
        assert_eq!(&out[end..end + 4], &0x0605_4b50u32.to_le_bytes());
        let n = u16::from_le_bytes([out[end + 10], out[end + 11]]);
        assert_eq!(n, 2);
        let mut p = u32::from_le_bytes(out[end + 16..end + 20].try_into().unwrap()) as usize;
        let mut found = Vec::new();
        for _ in 0..n {
            let csize = u32::from_le_bytes(out[p + 20..p + 24].try_into().unwrap()) as usize;
            let usize_ = u32::from_le_bytes(out[p + 24..p + 28].try_into().unwrap()) as usize;
            let nlen = u16::from_le_bytes([out[p + 28], out[p + 29]]) as usize;
            let off = u32::from_le_bytes(out[p + 42..p + 46].try_into().unwrap()) as usize;
            let name = String::from_utf8(out[p + 46..p + 46 + nlen].to_vec()).unwrap();
            let lnlen = u16::from_le_bytes([out[off + 26], out[off + 27]]) as usize;
            let data = &out[off + 30 + lnlen..off + 30 + lnlen + csize];
            let mut text = String::new();
            flate2::read::DeflateDecoder::new(data)
                .read_to_string(&mut text)
                .unwrap();
            assert_eq!(text.len(), usize_);
            found.push((name, text));
            p += 46 + nlen;
        }
        assert_eq!(found[0], ("a.json".to_string(), "{\"x\": 1}".to_string()));
        assert_eq!(found[1].0, "dossier/é.txt");
        assert_eq!(found[1].1, big);
    }

    #[test]
    fn writing_without_an_entry_is_an_error() {
        let mut z = ZipStream::new(0);
        assert!(z.write_all(b"x").is_err());
    }
}
