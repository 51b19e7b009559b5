//! Checking an event image before it is stored: a real PNG, JPEG or WebP (by its first
//! bytes, not by the file name or the browser's claim), small enough, with an alternative text.

use thiserror::Error;

/// The largest image accepted (900 KiB: the request body limit is 1 MiB by default).
pub const MAX_IMAGE_BYTES: usize = 900 * 1024;
/// The longest alternative text.
pub const MAX_ALT: usize = 300;

/// Why an image was refused; the message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImageError {
    /// No file.
    #[error("choose an image file")]
    Missing,
    /// Too large.
    #[error("the image has {0} bytes; at most 900 KB are accepted: make it smaller (e.g. 1600 pixels wide)")]
    TooLarge(usize),
    /// Not an image format we accept.
    #[error("the file is not a PNG, JPEG or WebP image: save it in one of these formats")]
    UnknownType,
    /// No alternative text.
    #[error("describe the image for people who cannot see it (alternative text)")]
    AltMissing,
    /// Alternative text too long.
    #[error("the alternative text is longer than 300 characters: keep it short, put details in the description")]
    AltTooLong,
}

/// Checks the bytes and the alternative text; returns the content type.
pub fn check_image(bytes: &[u8], alt: &str) -> Result<&'static str, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Missing);
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge(bytes.len()));
    }
    let kind = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        return Err(ImageError::UnknownType);
    };
    let alt = alt.trim();
    if alt.is_empty() {
        return Err(ImageError::AltMissing);
    }
    if alt.chars().count() > MAX_ALT {
        return Err(ImageError::AltTooLong);
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(check_image(b"\x89PNG\r\n\x1a\n....", "Bühne"), Ok("image/png"));
        assert_eq!(check_image(&[0xff, 0xd8, 0xff, 0xe0, 0], "x"), Ok("image/jpeg"));
        assert_eq!(check_image(b"RIFF\0\0\0\0WEBPVP8 ", "x"), Ok("image/webp"));
        assert_eq!(check_image(b"<svg onload=alert(1)>", "x"), Err(ImageError::UnknownType));
        assert_eq!(check_image(b"\x89PNG\r\n\x1a\n", " "), Err(ImageError::AltMissing));
        assert_eq!(check_image(&vec![0xff; MAX_IMAGE_BYTES + 1], "x"), Err(ImageError::TooLarge(MAX_IMAGE_BYTES + 1)));
        assert_eq!(check_image(b"", "x"), Err(ImageError::Missing));
    }
}
