//! Images from strangers: avatar uploads and link-preview thumbnails
//! (format sniffing, header dimensions, decoding under limits).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(jpeg) = passerelles::images::make_avatar(data, 64) {
        assert!(jpeg.starts_with(&[0xFF, 0xD8]), "an avatar is a JPEG");
    }
    if let Some(jpeg) = passerelles::preview::fuzzing::thumbnail(data) {
        assert!(jpeg.starts_with(&[0xFF, 0xD8]), "a thumbnail is a JPEG");
    }
});
