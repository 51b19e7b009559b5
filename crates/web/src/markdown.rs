//! Markdown for editorial texts, rendered safely: raw HTML in the source is shown as text,
//! links may only use harmless schemes, and headings start at level 2 (the page owns the h1).

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        // A colon before any slash means a scheme.
        Some((scheme, _)) if !scheme.contains('/') && !scheme.contains('?') && !scheme.contains('#') => {
            matches!(scheme, "http" | "https" | "mailto" | "tel")
        }
        _ => true,
    }
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H2,
        HeadingLevel::H3 => HeadingLevel::H3,
        HeadingLevel::H4 => HeadingLevel::H4,
        HeadingLevel::H5 => HeadingLevel::H5,
        HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// Renders Markdown to HTML that is safe to embed.
pub fn render(src: &str) -> String {
    let parser = Parser::new_ext(src, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|ev| match ev {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            let dest_url = if safe_url(&dest_url) { dest_url } else { CowStr::Borrowed("#") };
            Event::Start(Tag::Link { link_type, dest_url, title, id })
        }
        Event::Start(Tag::Image { dest_url, title, .. }) => {
            // Editorial images come with the media library later; until then show the alt text.
            let _ = (dest_url, title);
            Event::Start(Tag::Emphasis)
        }
        Event::End(TagEnd::Image) => Event::End(TagEnd::Emphasis),
        Event::Start(Tag::Heading { level, id, classes, attrs }) => {
            Event::Start(Tag::Heading { level: demote(level), id, classes, attrs })
        }
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(demote(level))),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn escapes_raw_html() {
        let out = render("Hallo <script>alert(1)</script> <b onclick=x>fett</b>");
        assert!(!out.contains("<script"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
        assert!(!out.contains("<b "), "{out}");
    }

    #[test]
    fn neutralises_dangerous_links() {
        let out = render("[x](javascript:alert(1)) [y](https://jena.de) [z](/jena) [m](mailto:a@b.de)");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(out.contains("href=\"https://jena.de\""), "{out}");
        assert!(out.contains("href=\"/jena\""), "{out}");
        assert!(out.contains("href=\"mailto:a@b.de\""), "{out}");
    }

    #[test]
    fn headings_start_at_two() {
        assert!(render("# Titel").starts_with("<h2>"));
        assert!(render("### Unter").starts_with("<h3>"));
    }
}
