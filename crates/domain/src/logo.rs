//! Logo uploads: only small PNG or SVG images, and SVG without active content.

use thiserror::Error;

/// The largest logo accepted (a logo is shown at 40 px height; 256 KiB is plenty).
pub const MAX_LOGO_BYTES: usize = 256 * 1024;

/// Why a logo was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LogoError {
    /// Too large.
    #[error("the logo has {0} bytes; the limit is 256 KiB — export it smaller or as SVG")]
    TooLarge(usize),
    /// Neither PNG nor SVG.
    #[error("the logo is neither a PNG nor an SVG image")]
    UnknownType,
    /// SVG with scripts, event handlers or external references.
    #[error("the SVG logo contains {0}, which is not allowed; remove scripts, event handlers and external references")]
    ActiveSvg(&'static str),
}

/// The accepted logo formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoType {
    /// `image/png`.
    Png,
    /// `image/svg+xml`.
    Svg,
}

impl LogoType {
    /// The media type to serve the logo with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Svg => "image/svg+xml",
        }
    }
}

/// Checks a logo by its bytes (never by its file name).
pub fn check_logo(bytes: &[u8]) -> Result<LogoType, LogoError> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(LogoError::TooLarge(bytes.len()));
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(LogoType::Png);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| LogoError::UnknownType)?;
    let lower = text.to_ascii_lowercase();
    if !lower.contains("<svg") {
        return Err(LogoError::UnknownType);
    }
    let forbidden: [(&str, &'static str); 6] = [
        ("<script", "a <script> element"),
        ("javascript:", "a javascript: URL"),
        ("<foreignobject", "a <foreignObject> element"),
        ("<!entity", "an XML entity declaration"),
        ("href=\"http", "an external reference"),
        ("href='http", "an external reference"),
    ];
    for (needle, what) in forbidden {
        if lower.contains(needle) {
            return Err(LogoError::ActiveSvg(what));
        }
    }
    // Event handler attributes: ` onload=`, ` onclick=`, …
    let has_handler = lower.match_indices(" on").any(|(i, _)| {
        let rest = &lower[i + 3..];
        let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        name_len > 0 && rest[name_len..].trim_start().starts_with('=')
    });
    if has_handler {
        return Err(LogoError::ActiveSvg("an event handler attribute"));
    }
    Ok(LogoType::Svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_images() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><title>J</title><rect width="64" height="64"/></svg>"#;
        assert_eq!(check_logo(svg), Ok(LogoType::Svg));
        assert_eq!(check_logo(b"\x89PNG\r\n\x1a\nrest"), Ok(LogoType::Png));
    }

    #[test]
    fn rejects_active_or_unknown_content() {
        assert_eq!(check_logo(b"GIF89a"), Err(LogoError::UnknownType));
        assert!(matches!(check_logo(b"<svg><script>alert(1)</script></svg>"), Err(LogoError::ActiveSvg(_))));
        assert!(matches!(check_logo(b"<svg onload = \"x()\"></svg>"), Err(LogoError::ActiveSvg(_))));
        assert!(matches!(
            check_logo(b"<svg><image href=\"https://t.example/x\"/></svg>"),
            Err(LogoError::ActiveSvg(_))
        ));
        assert!(matches!(check_logo(&vec![b' '; MAX_LOGO_BYTES + 1]), Err(LogoError::TooLarge(_))));
    }
}
