//! Safe processing of uploaded images (avatars, tool icons, attachment and
//! link-preview thumbnails).
//!
//! The format is sniffed from the content, dimensions and the pixel count
//! are checked from the header before any pixel is decoded, decoding runs
//! under memory limits, and the output is a freshly encoded JPEG (or PNG)
//! that carries no input metadata. Decoding is CPU and memory heavy even
//! within those bounds, so it runs in a [`Pool`]: at most N images at once
//! per node (`[limits] image_decodes`), the others waiting their turn, and a
//! request that cannot get a turn soon is refused (503) rather than queued
//! without end.

use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use image::codecs::jpeg::JpegEncoder;
use image::error::LimitErrorKind;
use image::imageops::{self, FilterType};
use image::{
    DynamicImage, GenericImageView, ImageDecoder, ImageFormat, ImageReader, Limits, Rgb, RgbImage,
    RgbaImage,
};

/// Maximum accepted upload size, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// Maximum width or height, checked from the header before decoding.
pub const MAX_DIMENSION: u32 = 8000;
/// Maximum pixel count (width × height), checked from the header before
/// decoding: 7680 × 4320 ("8K"), Mastodon's limit too. A 7,900 × 7,900 PNG
/// of a few hundred kilobytes is 62 million pixels: 9 s of CPU and 200 MB.
pub const MAX_PIXELS: u64 = 7680 * 4320;
/// How long a decode waits for its turn in the [`Pool`] before the request
/// is refused as busy.
pub const POOL_WAIT: Duration = Duration::from_secs(20);
/// Maximum memory the decoder may allocate.
const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;
/// JPEG quality of the re-encoded output.
const JPEG_QUALITY: u8 = 85;

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("the file is not an image")]
    NotAnImage,
    #[error("unsupported image format")]
    Unsupported,
    #[error("the file is too large")]
    TooLarge,
    #[error("the image dimensions are too large")]
    DimensionsTooLarge,
    #[error("the image is corrupt")]
    Corrupt,
    #[error("too many images are being processed")]
    Busy,
}

impl ImageError {
    /// Fluent message key for this error.
    pub fn message_key(&self) -> &'static str {
        match self {
            ImageError::NotAnImage => "image-not-an-image",
            ImageError::Unsupported => "image-unsupported",
            ImageError::TooLarge => "image-too-large",
            ImageError::DimensionsTooLarge => "image-dimensions-too-large",
            ImageError::Corrupt => "image-corrupt",
            ImageError::Busy => "image-busy",
        }
    }
}

impl From<image::ImageError> for ImageError {
    fn from(err: image::ImageError) -> Self {
        match err {
            image::ImageError::Limits(limit) => match limit.kind() {
                LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory => {
                    ImageError::DimensionsTooLarge
                }
                _ => ImageError::Unsupported,
            },
            image::ImageError::Unsupported(_) => ImageError::Unsupported,
            // Decoding, I/O, parameter and encoding errors: the data is bad.
            _ => ImageError::Corrupt,
        }
    }
}

/// At most `size` images decoded at once on this node (a semaphore; the
/// work itself runs on the blocking threads). Each decode first checks the
/// header ([`probe`]): an image that would be refused is refused at once,
/// without waiting for a turn.
#[derive(Clone)]
pub struct Pool {
    permits: Arc<tokio::sync::Semaphore>,
    size: usize,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Pool {
    pub fn new(size: usize) -> Pool {
        let size = size.max(1);
        Pool {
            permits: Arc::new(tokio::sync::Semaphore::new(size)),
            size,
            running: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Decodes allowed at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Decodes running now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// The most decodes that ever ran at once in this process.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Run `work` (CPU-bound image work) on a blocking thread once a turn
    /// is free; `Busy` when none frees within [`POOL_WAIT`].
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ImageError> {
        let permit = tokio::time::timeout(POOL_WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| ImageError::Busy)?
            .map_err(|_| ImageError::Busy)?;
        let running = self.running.clone();
        let peak = self.peak.clone();
        tokio::task::spawn_blocking(move || {
            /// Counts down even if the work panics.
            struct Turn(Arc<AtomicUsize>);
            impl Drop for Turn {
                fn drop(&mut self) {
                    self.0.fetch_sub(1, Ordering::SeqCst);
                }
            }
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let turn = Turn(running);
            let out = work();
            drop(turn);
            drop(permit);
            out
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "image task failed");
            ImageError::Corrupt
        })
    }

    /// [`make_avatar`] in the pool, refused early by its header.
    pub async fn avatar(&self, bytes: Vec<u8>, size: u32) -> Result<Vec<u8>, ImageError> {
        probe(&bytes)?;
        self.run(move || make_avatar(&bytes, size)).await?
    }

    /// [`make_banner`] in the pool, refused early by its header.
    pub async fn banner(&self, bytes: Vec<u8>) -> Result<Banner, ImageError> {
        probe(&bytes)?;
        self.run(move || make_banner(&bytes)).await?
    }

    /// [`make_icon`] in the pool, refused early by its header.
    pub async fn icon(&self, bytes: Vec<u8>, size: u32) -> Result<Vec<u8>, ImageError> {
        probe(&bytes)?;
        self.run(move || make_icon(&bytes, size)).await?
    }
}

/// Make a square avatar of `size`×`size` pixels (a `size` of 0 is treated as 1).
///
/// The format is sniffed from the content (never from a file name or declared
/// type); PNG, JPEG, WebP and GIF (first frame) are accepted. Dimensions are
/// read from the header and refused above [`MAX_DIMENSION`]; decoding runs
/// with `image::Limits` so decompression bombs fail cleanly. The image is
/// EXIF-oriented, centre-cropped to a square, flattened on white, resized
/// (Lanczos3) and re-encoded as JPEG quality 85 without any metadata.
pub fn make_avatar(bytes: &[u8], size: u32) -> Result<Vec<u8>, ImageError> {
    let size = size.clamp(1, MAX_DIMENSION);
    let (decoded, orientation) = decode_bounded(bytes)?;
    let square = square_on_white(decoded, size);

    // Centre-cropping commutes with rotations/flips, so orienting the small
    // result is equivalent to orienting the full image, and much cheaper.
    let mut oriented = DynamicImage::ImageRgb8(square);
    oriented.apply_orientation(orientation);

    let mut out = Vec::new();
    let encoder = JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
    oriented.into_rgb8().write_with_encoder(encoder)?;
    Ok(out)
}

/// Make a square tool icon of `size`×`size` pixels, a PNG that keeps
/// transparency (icons are often drawn on none). Same checks as avatars:
/// sniffed raster formats only (no SVG), dimensions bounded before
/// decoding, decoding under limits, re-encoded without any input metadata.
pub fn make_icon(bytes: &[u8], size: u32) -> Result<Vec<u8>, ImageError> {
    let size = size.clamp(1, 512);
    let (decoded, orientation) = decode_bounded(bytes)?;
    let mut square = DynamicImage::ImageRgba8(crop_resize_rgba(&decoded.into_rgba8(), size));
    square.apply_orientation(orientation);
    let mut out = Cursor::new(Vec::new());
    square.into_rgba8().write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// Longest side of an event's image, and of its small version (lists,
/// `srcset`).
pub const BANNER_SIDE: u32 = 1200;
pub const BANNER_SMALL_SIDE: u32 = 400;

/// An event's image in two sizes, both JPEG without input metadata.
#[derive(Debug, Clone)]
pub struct Banner {
    pub large: Vec<u8>,
    pub small: Vec<u8>,
    /// The large one's size.
    pub width: u32,
    pub height: u32,
}

/// The size of `width`×`height` fitted in a `side`×`side` box, ratio kept,
/// never enlarged, never 0.
fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    let scale = (f64::from(side) / f64::from(width.max(height))).min(1.0);
    let w = ((f64::from(width) * scale).round() as u32).clamp(1, side);
    let h = ((f64::from(height) * scale).round() as u32).clamp(1, side);
    (w, h)
}

/// Resize to `w`×`h`: a large picture is first reduced by box averaging
/// to about twice the target, then resampled with Lanczos3.
fn shrink(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    if (img.width(), img.height()) == (w, h) {
        return img.clone();
    }
    if img.width() > w.saturating_mul(4) {
        let reduced = imageops::thumbnail(img, w.saturating_mul(2), h.saturating_mul(2));
        imageops::resize(&reduced, w, h, FilterType::Lanczos3)
    } else {
        imageops::resize(img, w, h, FilterType::Lanczos3)
    }
}

fn jpeg(img: RgbImage) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    let encoder = JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
    img.write_with_encoder(encoder)?;
    Ok(out)
}

/// Make an event's image: the same checks as avatars (sniffed raster
/// formats, sides and pixels bounded from the header, decoding under
/// limits); EXIF-oriented, alpha flattened on white, fitted (ratio kept,
/// never enlarged) in [`BANNER_SIDE`] and [`BANNER_SMALL_SIDE`] squares,
/// re-encoded as JPEG without any input metadata.
pub fn make_banner(bytes: &[u8]) -> Result<Banner, ImageError> {
    let (decoded, orientation) = decode_bounded(bytes)?;
    let rgb = match decoded {
        DynamicImage::ImageRgb8(buf) => buf,
        other if other.color().has_alpha() => flatten(&other.into_rgba8()),
        other => other.into_rgb8(),
    };
    // Both boxes are squares, so resizing before orienting gives the same
    // result as orienting the full picture, for a fraction of the work.
    let (w, h) = fit(rgb.width(), rgb.height(), BANNER_SIDE);
    let large = shrink(&rgb, w, h);
    drop(rgb);
    let (sw, sh) = fit(w, h, BANNER_SMALL_SIDE);
    let small = shrink(&large, sw, sh);
    let orient = |img: RgbImage| {
        let mut d = DynamicImage::ImageRgb8(img);
        d.apply_orientation(orientation);
        d.into_rgb8()
    };
    let (large, small) = (orient(large), orient(small));
    Ok(Banner {
        width: large.width(),
        height: large.height(),
        large: jpeg(large)?,
        small: jpeg(small)?,
    })
}

/// Alpha flattened on white.
fn flatten(buf: &RgbaImage) -> RgbImage {
    RgbImage::from_fn(buf.width(), buf.height(), |px, py| {
        let [r, g, b, a] = buf.get_pixel(px, py).0;
        let a = u32::from(a);
        let blend = |c: u8| -> u8 {
            let v = (u32::from(c) * a + 255 * (255 - a) + 127) / 255;
            u8::try_from(v).unwrap_or(u8::MAX)
        };
        Rgb([blend(r), blend(g), blend(b)])
    })
}

/// The decoder of an upload, its header read and checked: sniffed format,
/// size, dimensions, pixel count, memory. Nothing is decoded yet.
fn bounded_decoder(bytes: &[u8]) -> Result<impl ImageDecoder + '_, ImageError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(ImageError::TooLarge);
    }

    let format = image::guess_format(bytes).map_err(|_| ImageError::NotAnImage)?;
    if !matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif
    ) {
        return Err(ImageError::Unsupported);
    }

    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    // Only the header is read here; the limits above already refuse oversized
    // dimensions, the explicit checks below keep that independent of them.
    let decoder = reader.into_decoder()?;
    let (width, height) = decoder.dimensions();
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(ImageError::DimensionsTooLarge);
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt);
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::DimensionsTooLarge);
    }
    if decoder.total_bytes() > MAX_DECODE_ALLOC {
        return Err(ImageError::DimensionsTooLarge);
    }
    Ok(decoder)
}

/// Check an upload from its header only (cheap: no pixel is decoded), so
/// that what would be refused is refused before waiting for the [`Pool`].
pub fn probe(bytes: &[u8]) -> Result<(u32, u32), ImageError> {
    bounded_decoder(bytes).map(|d| d.dimensions())
}

/// Sniff, bound and decode an upload; returns the pixels and the EXIF
/// orientation still to apply.
pub fn decode_bounded(
    bytes: &[u8],
) -> Result<(DynamicImage, image::metadata::Orientation), ImageError> {
    let mut decoder = bounded_decoder(bytes)?;
    // A broken EXIF block must not prevent using the pixels.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);

    let decoded = DynamicImage::from_decoder(decoder)?;
    Ok((decoded, orientation))
}

/// Centre-crop to a square, flatten any alpha on white and resize to
/// `size`×`size`. Alpha is flattened before resampling so that the colour
/// of fully transparent pixels never bleeds into the result.
fn square_on_white(img: DynamicImage, size: u32) -> RgbImage {
    match img {
        DynamicImage::ImageRgb8(buf) => crop_resize_rgb(&buf, size),
        DynamicImage::ImageRgba8(buf) => crop_flatten_resize(&buf, size),
        other if other.color().has_alpha() => crop_flatten_resize(&other.into_rgba8(), size),
        other => crop_resize_rgb(&other.into_rgb8(), size),
    }
}

/// Offset and side of the centred square of a `width`×`height` image.
fn centre_square(width: u32, height: u32) -> (u32, u32, u32) {
    let side = width.min(height);
    ((width - side) / 2, (height - side) / 2, side)
}

/// Centre-crop and resize. A large picture is first reduced by box
/// averaging (fast, linear in its pixels) to four times the target, then
/// resampled with Lanczos3: the quality of Lanczos3 at a fraction of its
/// cost on millions of pixels.
macro_rules! crop_resize_impl {
    ($buf:expr, $size:expr) => {{
        let (buf, size) = ($buf, $size);
        let (x, y, side) = centre_square(buf.width(), buf.height());
        let view = imageops::crop_imm(buf, x, y, side, side);
        let step = size.saturating_mul(4);
        if side > step {
            let reduced = imageops::thumbnail(&*view, step, step);
            imageops::resize(&reduced, size, size, FilterType::Lanczos3)
        } else {
            imageops::resize(&*view, size, size, FilterType::Lanczos3)
        }
    }};
}

fn crop_resize_rgb(buf: &RgbImage, size: u32) -> RgbImage {
    crop_resize_impl!(buf, size)
}

fn crop_resize_rgba(buf: &RgbaImage, size: u32) -> RgbaImage {
    crop_resize_impl!(buf, size)
}

fn crop_flatten_resize(buf: &RgbaImage, size: u32) -> RgbImage {
    let (x, y, side) = centre_square(buf.width(), buf.height());
    let view = imageops::crop_imm(buf, x, y, side, side);
    let flat = RgbImage::from_fn(side, side, |px, py| {
        let [r, g, b, a] = view.get_pixel(px, py).0;
        let a = u32::from(a);
        let blend = |c: u8| -> u8 {
            // (c * a + 255 * (255 - a)) / 255, rounded; never exceeds 255.
            let v = (u32::from(c) * a + 255 * (255 - a) + 127) / 255;
            u8::try_from(v).unwrap_or(u8::MAX)
        };
        Rgb([blend(r), blend(g), blend(b)])
    });
    crop_resize_rgb(&flat, size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgba};

    fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).expect("encode test image");
        out.into_inner()
    }

    fn decode_jpeg(bytes: &[u8]) -> DynamicImage {
        assert_eq!(
            image::guess_format(bytes).expect("format"),
            ImageFormat::Jpeg
        );
        image::load_from_memory_with_format(bytes, ImageFormat::Jpeg).expect("decode output")
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                let mask = (crc & 1).wrapping_neg();
                crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
            }
        }
        !crc
    }

    #[test]
    fn message_keys() {
        assert_eq!(ImageError::NotAnImage.message_key(), "image-not-an-image");
        assert_eq!(ImageError::Unsupported.message_key(), "image-unsupported");
        assert_eq!(ImageError::TooLarge.message_key(), "image-too-large");
        assert_eq!(
            ImageError::DimensionsTooLarge.message_key(),
            "image-dimensions-too-large"
        );
        assert_eq!(ImageError::Corrupt.message_key(), "image-corrupt");
    }

    #[test]
    fn png_becomes_square_jpeg() {
        // Wide image: red left third, green centre, blue right third.
        let img = RgbImage::from_fn(300, 100, |x, _| match x {
            0..100 => Rgb([255, 0, 0]),
            100..200 => Rgb([0, 255, 0]),
            _ => Rgb([0, 0, 255]),
        });
        let png = encode(&DynamicImage::ImageRgb8(img), ImageFormat::Png);
        let out = make_avatar(&png, 64).expect("avatar");
        let avatar = decode_jpeg(&out);
        assert_eq!(avatar.dimensions(), (64, 64));
        // Centre crop keeps only the green part.
        let Rgb([r, g, b]) = avatar.to_rgb8().get_pixel(32, 32).to_owned();
        assert!(g > 200 && r < 60 && b < 60, "{r} {g} {b}");
        // Upscaling works too.
        let out = make_avatar(&png, 256).expect("avatar");
        assert_eq!(decode_jpeg(&out).dimensions(), (256, 256));
    }

    #[test]
    fn transparent_png_is_flattened_on_white() {
        let img = RgbaImage::from_pixel(40, 40, Rgba([0, 0, 0, 0]));
        let png = encode(&DynamicImage::ImageRgba8(img), ImageFormat::Png);
        let avatar = decode_jpeg(&make_avatar(&png, 32).expect("avatar")).to_rgb8();
        assert!(avatar.pixels().all(|p| p.0.iter().all(|&c| c > 245)));
    }

    #[test]
    fn other_formats_accepted() {
        let img = DynamicImage::ImageRgba8(RgbaImage::from_pixel(50, 30, Rgba([10, 20, 200, 255])));
        for format in [ImageFormat::Gif, ImageFormat::WebP] {
            let bytes = encode(&img, format);
            let out = make_avatar(&bytes, 24).expect("avatar");
            assert_eq!(decode_jpeg(&out).dimensions(), (24, 24), "{format:?}");
        }
        let jpeg = encode(&DynamicImage::ImageRgb8(img.to_rgb8()), ImageFormat::Jpeg);
        let out = make_avatar(&jpeg, 24).expect("avatar");
        assert_eq!(decode_jpeg(&out).dimensions(), (24, 24));
        // Grayscale input.
        let gray = encode(&DynamicImage::ImageLuma8(img.to_luma8()), ImageFormat::Png);
        assert!(make_avatar(&gray, 16).is_ok());
    }

    #[test]
    fn icon_is_a_small_png_keeping_transparency_and_svg_is_refused() {
        let img = DynamicImage::ImageRgba8(RgbaImage::from_fn(300, 200, |x, _| {
            if x < 150 {
                Rgba([0, 0, 0, 0])
            } else {
                Rgba([200, 10, 10, 255])
            }
        }));
        let png = make_icon(&encode(&img, ImageFormat::Png), 64).expect("icon");
        assert_eq!(image::guess_format(&png).expect("format"), ImageFormat::Png);
        let out = image::load_from_memory_with_format(&png, ImageFormat::Png).expect("decode");
        assert_eq!(out.dimensions(), (64, 64));
        let rgba = out.into_rgba8();
        assert_eq!(
            rgba.get_pixel(2, 32).0[3],
            0,
            "transparent stays transparent"
        );
        assert_eq!(rgba.get_pixel(60, 32).0, [200, 10, 10, 255]);
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#;
        assert!(make_icon(svg, 64).is_err());
        assert!(matches!(
            make_icon(b"not an image at all", 64),
            Err(ImageError::NotAnImage)
        ));
    }

    #[test]
    fn random_bytes_are_not_an_image() {
        let bytes: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(matches!(
            make_avatar(&bytes, 64),
            Err(ImageError::NotAnImage)
        ));
        assert!(matches!(make_avatar(&[], 64), Err(ImageError::NotAnImage)));
    }

    #[test]
    fn svg_and_text_are_refused() {
        let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#;
        assert!(matches!(
            make_avatar(svg, 64),
            Err(ImageError::NotAnImage | ImageError::Unsupported)
        ));
        assert!(matches!(
            make_avatar(b"Bonjour, ceci n'est pas une image.", 64),
            Err(ImageError::NotAnImage | ImageError::Unsupported)
        ));
        // A recognised but unsupported format (BMP magic).
        assert!(matches!(
            make_avatar(b"BM\0\0\0\0\0\0", 64),
            Err(ImageError::Unsupported)
        ));
    }

    #[test]
    fn truncated_png_is_corrupt() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 64, Rgb([1, 2, 3])));
        let png = encode(&img, ImageFormat::Png);
        assert!(matches!(
            make_avatar(&png[..png.len() / 2], 32),
            Err(ImageError::Corrupt)
        ));
        assert!(matches!(
            make_avatar(&png[..20], 32),
            Err(ImageError::Corrupt)
        ));
    }

    #[test]
    fn wide_image_is_refused_before_decoding() {
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(
                &vec![0u8; 9000 * 3],
                9000,
                1,
                image::ExtendedColorType::Rgb8,
            )
            .expect("encode");
        assert!(matches!(
            make_avatar(&png, 64),
            Err(ImageError::DimensionsTooLarge)
        ));
    }

    #[test]
    fn patched_header_bomb_is_refused() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(8, 8, Rgb([9, 9, 9])));
        let mut png = encode(&img, ImageFormat::Png);
        // Signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4).
        assert_eq!(&png[12..16], b"IHDR");
        png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        // The CRC covers the chunk type and its 13 data bytes.
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(
            make_avatar(&png, 64),
            Err(ImageError::DimensionsTooLarge)
        ));
    }

    #[test]
    fn oversized_upload_is_refused() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(8, 8, Rgb([9, 9, 9])));
        let mut bytes = encode(&img, ImageFormat::Png);
        bytes.resize(MAX_UPLOAD_BYTES + 1, 0);
        assert!(matches!(make_avatar(&bytes, 64), Err(ImageError::TooLarge)));
    }

    #[test]
    fn banner_keeps_its_ratio_in_two_sizes_and_is_never_enlarged() {
        let img = DynamicImage::ImageRgba8(RgbaImage::from_fn(3000, 1000, |x, _| {
            if x < 1500 {
                Rgba([0, 0, 0, 0])
            } else {
                Rgba([10, 20, 200, 255])
            }
        }));
        let b = make_banner(&encode(&img, ImageFormat::Png)).expect("banner");
        assert_eq!((b.width, b.height), (1200, 400));
        let large = decode_jpeg(&b.large);
        assert_eq!(large.dimensions(), (1200, 400));
        assert_eq!(decode_jpeg(&b.small).dimensions(), (400, 133));
        // Transparency became white.
        let Rgb([r, g, bl]) = large.to_rgb8().get_pixel(10, 200).to_owned();
        assert!(r > 245 && g > 245 && bl > 245, "{r} {g} {bl}");
        // A small picture stays its size.
        let tiny = DynamicImage::ImageRgb8(RgbImage::from_pixel(120, 300, Rgb([9, 9, 9])));
        let b = make_banner(&encode(&tiny, ImageFormat::Jpeg)).expect("banner");
        assert_eq!((b.width, b.height), (120, 300));
        assert_eq!(decode_jpeg(&b.small).dimensions(), (120, 300));
        assert!(matches!(
            make_banner(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            Err(ImageError::NotAnImage | ImageError::Unsupported)
        ));
    }

    #[test]
    fn output_has_no_input_metadata() {
        // A JPEG with an EXIF APP1 segment spliced in after SOI.
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(32, 32, Rgb([90, 120, 30])));
        let jpeg = encode(&img, ImageFormat::Jpeg);
        let mut exif = b"Exif\0\0MM\0*\0\0\0\x08\0\0GPS-SECRET".to_vec();
        exif.resize(40, 0);
        let mut with_exif = jpeg[..2].to_vec();
        with_exif.extend_from_slice(&[0xFF, 0xE1]);
        with_exif.extend_from_slice(&u16::try_from(exif.len() + 2).expect("len").to_be_bytes());
        with_exif.extend_from_slice(&exif);
        with_exif.extend_from_slice(&jpeg[2..]);
        let out = make_avatar(&with_exif, 16).expect("avatar");
        assert!(!out.windows(4).any(|w| w == b"Exif"));
        assert!(!out.windows(10).any(|w| w == b"GPS-SECRET"));
        let b = make_banner(&with_exif).expect("banner");
        for out in [&b.large, &b.small] {
            assert!(!out.windows(4).any(|w| w == b"Exif"));
            assert!(!out.windows(10).any(|w| w == b"GPS-SECRET"));
        }
    }
}
