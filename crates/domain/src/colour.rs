//! Theme colours that cannot break contrast.
//!
//! A municipality chooses its brand colour freely; the portal only ever paints it behind white
//! text after [`ThemeColour::on_white_text`] has darkened it to WCAG AA contrast (4.5:1), so a
//! pale colour in a region file cannot make the header unreadable.

use std::fmt;

use thiserror::Error;

/// The contrast ratio every brand colour is brought to against white text (WCAG 1.4.3 AA is
/// 4.5:1; we keep a small margin so rounding in browsers never drops below it).
pub const MIN_CONTRAST_WITH_WHITE: f64 = 4.6;

/// A colour that is not `#RRGGBB`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0:?} is not a colour: write it as #RRGGBB with six hex digits, e.g. \"#1d4f91\"")]
pub struct ColourError(pub String);

/// An sRGB colour as given in configuration, `#RRGGBB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThemeColour {
    r: u8,
    g: u8,
    b: u8,
}

impl ThemeColour {
    /// The platform's default brand colour (a dark blue with 8.6:1 against white).
    pub const DEFAULT: Self = Self { r: 0x1d, g: 0x4f, b: 0x91 };

    /// Parses `#RRGGBB` (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, ColourError> {
        let err = || ColourError(s.to_owned());
        let hex = s.strip_prefix('#').ok_or_else(err)?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| err());
        Ok(Self { r: byte(0)?, g: byte(2)?, b: byte(4)? })
    }

    /// WCAG 2 relative luminance.
    pub fn luminance(self) -> f64 {
        fn channel(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        }
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }

    /// WCAG 2 contrast ratio between two colours (1.0 to 21.0).
    pub fn contrast(self, other: Self) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// This colour, darkened just enough (keeping its hue) to carry white text at
    /// [`MIN_CONTRAST_WITH_WHITE`]. A colour that already does is returned unchanged.
    pub fn on_white_text(self) -> Self {
        let white = Self { r: 255, g: 255, b: 255 };
        let mut c = self;
        let mut factor = 1.0_f64;
        while c.contrast(white) < MIN_CONTRAST_WITH_WHITE {
            factor -= 0.02;
            let scale = |v: u8| (f64::from(v) * factor).round().clamp(0.0, 255.0) as u8;
            c = Self { r: scale(self.r), g: scale(self.g), b: scale(self.b) };
            if factor <= 0.0 {
                break;
            }
        }
        c
    }
}

impl fmt::Display for ThemeColour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!(ThemeColour::parse("#1D4F91").unwrap().to_string(), "#1d4f91");
        for bad in ["1d4f91", "#1d4f9", "#1d4f9g", "#1d4f911", "", "#ééé"] {
            assert!(ThemeColour::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn contrast_matches_wcag_reference_values() {
        let black = ThemeColour::parse("#000000").unwrap();
        let white = ThemeColour::parse("#ffffff").unwrap();
        assert!((black.contrast(white) - 21.0).abs() < 1e-9);
        // #767676 on white is the well-known 4.54:1 grey.
        let grey = ThemeColour::parse("#767676").unwrap();
        assert!((grey.contrast(white) - 4.54).abs() < 0.01);
    }

    #[test]
    fn pale_colours_are_darkened_until_readable() {
        let white = ThemeColour::parse("#ffffff").unwrap();
        for s in ["#ffff00", "#ffffff", "#ffdd00", "#00ff00", "#f0a0a0", "#e30613", "#1d4f91"] {
            let c = ThemeColour::parse(s).unwrap().on_white_text();
            assert!(c.contrast(white) >= MIN_CONTRAST_WITH_WHITE, "{s} -> {c}");
        }
        // Already dark enough: untouched.
        assert_eq!(ThemeColour::DEFAULT.on_white_text(), ThemeColour::DEFAULT);
    }
}
