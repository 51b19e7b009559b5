//! PDF forms: the upload check for the forms editors upload ([`check_pdf`]) and a small writer for
//! the demo forms ([`write_form_pdf`]).
//!
//! The check is a tolerant parser, not a PDF reader: it finds every `n g obj` in the file (never
//! trusting the xref offsets, which are often wrong), parses what follows, inflates object streams
//! and other compressed streams (not images and font programs, which are binary payloads a
//! reader never parses as objects), and looks at every name in all of it. A file with scripts,
//! launch actions, attachments, rich media or XFA is refused, and so is an encrypted file, whose
//! streams cannot be looked into. All work is bounded (see [`MAX_INFLATED_BYTES`],
//! [`MAX_NESTING`]): no input makes it panic, loop or allocate without bound.

use std::collections::HashMap;

use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_with_limit, decompress_to_vec_zlib_with_limit};
use thiserror::Error;

/// How many bytes the streams of one PDF may inflate to, all together.
pub const MAX_INFLATED_BYTES: usize = 64 << 20;

/// How deeply arrays and dictionaries may nest in one object.
pub const MAX_NESTING: usize = 64;

/// What [`check_pdf`] found out about an accepted PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfInfo {
    /// The version in the header, e.g. `"1.7"`.
    pub version: String,
    /// The `/Count` of the page tree's root, if it was found.
    pub pages: Option<u32>,
    /// The `/Title` of the document information dictionary, if it is a plain string.
    pub title: Option<String>,
}

/// Why an uploaded PDF was refused. [`PdfProblem::code`] is stable (for translations); the
/// `Display` text is English and says what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PdfProblem {
    /// No `%PDF-1.x` or `%PDF-2.0` header in the first 1024 bytes.
    #[error("The file is not a PDF. Upload the form as a PDF file (File › Export as PDF, or 'Print to PDF').")]
    NotPdf,
    /// No `%%EOF` near the end: the file was cut off.
    #[error(
        "The PDF is incomplete: its end is missing, so it was probably cut off while saving or uploading. Save the form again and upload the complete file."
    )]
    Truncated,
    /// The structure could not be read; the detail says what is missing.
    #[error("The PDF cannot be read: {0}. Export the form again, e.g. with 'Print to PDF', and upload that file.")]
    Unparseable(String),
    /// A `/JavaScript` or `/JS` name.
    #[error(
        "The PDF contains JavaScript{}. Forms on this portal must not run scripts: export the form again without scripts, e.g. 'Print to PDF', and upload that file.",
        at(.object)
    )]
    JavaScript {
        /// The object it was found in (`None`: in a trailer).
        object: Option<u32>,
    },
    /// A `/Launch` action, which starts programs.
    #[error(
        "The PDF contains a Launch action{}, which can start programs on the reader's computer. Remove the action, or export the form again with 'Print to PDF', and upload that file.",
        at(.object)
    )]
    Launch {
        /// The object it was found in (`None`: in a trailer).
        object: Option<u32>,
    },
    /// An `/EmbeddedFile` or `/EmbeddedFiles` name: the PDF carries attachments.
    #[error(
        "The PDF contains attached files{}. Forms on this portal must not carry attachments: remove them, or export the form again with 'Print to PDF', and upload that file.",
        at(.object)
    )]
    EmbeddedFile {
        /// The object it was found in (`None`: in a trailer).
        object: Option<u32>,
    },
    /// A `/RichMedia…` name: embedded video, sound or Flash.
    #[error(
        "The PDF contains rich media (video, sound or Flash){}. Remove it, or export the form again with 'Print to PDF', and upload that file.",
        at(.object)
    )]
    RichMedia {
        /// The object it was found in (`None`: in a trailer).
        object: Option<u32>,
    },
    /// An `/XFA` form.
    #[error(
        "The PDF is an XFA form{}, which carries scripts and does not open in most PDF readers. Save it as a static PDF form, or export it with 'Print to PDF', and upload that file.",
        at(.object)
    )]
    Xfa {
        /// The object it was found in (`None`: in a trailer).
        object: Option<u32>,
    },
    /// `/Encrypt` in a trailer: the streams cannot be checked.
    #[error(
        "The PDF is encrypted or protected by a password, so it cannot be checked. Save the form again without a password or security settings, and upload that file."
    )]
    Encrypted,
    /// The compressed streams expand beyond [`MAX_INFLATED_BYTES`] (a "zip bomb", or a huge file).
    #[error(
        "The PDF cannot be read: a compressed stream{} expands beyond 64 MiB. Export the form again, e.g. with 'Print to PDF', and upload that file.",
        at(.object)
    )]
    ExpandsTooMuch {
        /// The stream's object.
        object: Option<u32>,
    },
}

impl PdfProblem {
    /// A stable code for translations, e.g. `"pdf-javascript"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotPdf => "pdf-not-pdf",
            Self::Truncated => "pdf-truncated",
            Self::Unparseable(_) => "pdf-unparseable",
            Self::JavaScript { .. } => "pdf-javascript",
            Self::Launch { .. } => "pdf-launch",
            Self::EmbeddedFile { .. } => "pdf-embedded-file",
            Self::RichMedia { .. } => "pdf-rich-media",
            Self::Xfa { .. } => "pdf-xfa",
            Self::Encrypted => "pdf-encrypted",
            Self::ExpandsTooMuch { .. } => "pdf-expands-too-much",
        }
    }
}

fn at(object: &Option<u32>) -> String {
    object.map(|n| format!(" (object {n})")).unwrap_or_default()
}

/// The problem a name stands for, if it is one of the forbidden ones (compared decoded).
fn forbidden(name: &[u8], object: Option<u32>) -> Option<PdfProblem> {
    Some(match name {
        b"JavaScript" | b"JS" => PdfProblem::JavaScript { object },
        b"Launch" => PdfProblem::Launch { object },
        b"EmbeddedFile" | b"EmbeddedFiles" => PdfProblem::EmbeddedFile { object },
        // RichMedia, RichMediaContent, RichMediaExecute, …: Flash, video and the scripts they bring.
        n if n.starts_with(b"RichMedia") => PdfProblem::RichMedia { object },
        // XFA forms are XML with their own scripting (JavaScript and FormCalc) that readers run.
        b"XFA" => PdfProblem::Xfa { object },
        _ => return None,
    })
}

/// Checks an uploaded PDF form: that it is a complete, readable PDF without scripts, launch
/// actions, attachments, rich media, XFA or encryption.
///
/// The whole slice is read and parsed, so the caller must enforce the upload size limit before
/// calling this; the work done here is otherwise bounded by the input's size and
/// [`MAX_INFLATED_BYTES`].
pub fn check_pdf(bytes: &[u8]) -> Result<PdfInfo, PdfProblem> {
    let version = header_version(bytes).ok_or(PdfProblem::NotPdf)?;
    let tail = &bytes[bytes.len().saturating_sub(1024 + 5)..];
    if find(tail, b"%%EOF", 0).is_none() {
        return Err(PdfProblem::Truncated);
    }
    let mut checker = Checker { data: bytes, ..Checker::default() };
    let result = checker.run(version);
    match (result, checker.found) {
        // Encrypted streams could hide anything, so that is the first thing to fix.
        (Err(PdfProblem::Encrypted), _) => Err(PdfProblem::Encrypted),
        (_, Some(problem)) => Err(problem),
        (result, None) => result,
    }
}

fn header_version(bytes: &[u8]) -> Option<String> {
    let start = find(&bytes[..bytes.len().min(1024 + 8)], b"%PDF-", 0)?;
    let v = bytes.get(start + 5..start + 8)?;
    let ok = (v[0] == b'1' && v[1] == b'.' && v[2].is_ascii_digit()) || v == b"2.0";
    let next_is_digit = bytes.get(start + 8).is_some_and(u8::is_ascii_digit);
    (ok && !next_is_digit).then(|| String::from_utf8_lossy(v).into_owned())
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i + needle.len() <= hay.len() {
        match hay[i..=hay.len() - needle.len()].iter().position(|&b| b == first) {
            Some(p) if hay[i + p..].starts_with(needle) => return Some(i + p),
            Some(p) => i += p + 1,
            None => return None,
        }
    }
    None
}

// ---- the lexer -------------------------------------------------------------------------------

fn is_ws(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

fn is_delim(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn is_regular(b: u8) -> bool {
    !is_ws(b) && !is_delim(b)
}

#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Int(i64),
    Real,
    Str(Vec<u8>),
    Name(Vec<u8>),
    ArrOpen,
    ArrClose,
    DictOpen,
    DictClose,
    /// A keyword (`obj`, `R`, `true`, …) or a stray delimiter.
    Word(&'a [u8]),
    Eof,
}

struct Lexer<'a> {
    d: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self, off: usize) -> Option<u8> {
        self.d.get(self.pos + off).copied()
    }

    /// The next token and where it starts; every token consumes at least one byte.
    fn next(&mut self) -> (usize, Tok<'a>) {
        loop {
            while self.peek(0).is_some_and(is_ws) {
                self.pos += 1;
            }
            if self.peek(0) != Some(b'%') {
                break;
            }
            while self.peek(0).is_some_and(|b| b != b'\n' && b != b'\r') {
                self.pos += 1;
            }
        }
        let start = self.pos;
        let Some(b) = self.peek(0) else { return (start, Tok::Eof) };
        self.pos += 1;
        let tok = match b {
            b'(' => Tok::Str(self.string()),
            b'<' if self.peek(0) == Some(b'<') => {
                self.pos += 1;
                Tok::DictOpen
            }
            b'<' => Tok::Str(self.hex_string()),
            b'>' if self.peek(0) == Some(b'>') => {
                self.pos += 1;
                Tok::DictClose
            }
            b'[' => Tok::ArrOpen,
            b']' => Tok::ArrClose,
            b'/' => Tok::Name(self.name()),
            _ if is_delim(b) => Tok::Word(&self.d[start..self.pos]),
            _ => {
                while self.peek(0).is_some_and(is_regular) {
                    self.pos += 1;
                }
                number(&self.d[start..self.pos]).unwrap_or(Tok::Word(&self.d[start..self.pos]))
            }
        };
        (start, tok)
    }

    fn string(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut depth = 1usize;
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            match c {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                b'\\' => {
                    let Some(e) = self.peek(0) else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek(0) {
                                    Some(o @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(o - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        // A backslash at the end of a line continues the string on the next.
                        b'\r' => {
                            if self.peek(0) == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                    continue;
                }
                b'\r' => {
                    if self.peek(0) == Some(b'\n') {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                    continue;
                }
                _ => {}
            }
            out.push(c);
        }
        out
    }

    fn hex_string(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            if c == b'>' {
                break;
            }
            let Some(v) = hex_digit(c) else { continue };
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        out.extend(high.map(|h| h << 4));
        out
    }

    fn name(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(c) = self.peek(0).filter(|&b| is_regular(b)) {
            self.pos += 1;
            let escaped = match c {
                b'#' => self.peek(0).and_then(hex_digit).zip(self.peek(1).and_then(hex_digit)),
                _ => None,
            };
            match escaped {
                Some((h, l)) => {
                    out.push(h << 4 | l);
                    self.pos += 2;
                }
                None => out.push(c),
            }
        }
        out
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn number(s: &[u8]) -> Option<Tok<'static>> {
    let body = s.strip_prefix(b"+").or_else(|| s.strip_prefix(b"-")).unwrap_or(s);
    let dots = body.iter().filter(|&&b| b == b'.').count();
    if body.is_empty() || dots > 1 || !body.iter().all(|&b| b == b'.' || b.is_ascii_digit()) || body == b"." {
        return None;
    }
    if dots == 1 {
        return Some(Tok::Real);
    }
    // Ten digits fit an i64 easily; longer integers are treated as reals (no object needs them).
    std::str::from_utf8(s).ok()?.parse().ok().map(Tok::Int).or(Some(Tok::Real))
}

// ---- the parser ------------------------------------------------------------------------------

/// A parsed value; containers deeper than [`STORE_DEPTH`] are parsed (and their names looked at)
/// but not kept, so memory stays proportional to what the checks need.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Null,
    Bool,
    Int(i64),
    Real,
    Str(Vec<u8>),
    Name(Vec<u8>),
    Arr(Vec<Val>),
    Dict(Vec<(Vec<u8>, Val)>),
    Ref(u32, u16),
    Skipped,
}

const STORE_DEPTH: usize = 3;
const STORE_ITEMS: usize = 4096;

impl Val {
    fn get(&self, key: &[u8]) -> Option<&Val> {
        match self {
            Val::Dict(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn is_name(&self, key: &[u8], name: &[u8]) -> bool {
        matches!(self.get(key), Some(Val::Name(n)) if n == name)
    }

    fn get_ref(&self, key: &[u8]) -> Option<(u32, u16)> {
        match self.get(key) {
            Some(Val::Ref(n, g)) => Some((*n, *g)),
            _ => None,
        }
    }

    fn get_int(&self, key: &[u8]) -> Option<i64> {
        match self.get(key) {
            Some(Val::Int(n)) => Some(*n),
            _ => None,
        }
    }
}

/// Nesting beyond [`MAX_NESTING`].
struct TooDeep;

struct Parser<'a, 'f> {
    lex: Lexer<'a>,
    found: &'f mut Option<PdfProblem>,
    object: Option<u32>,
    tok_start: usize,
}

impl<'a, 'f> Parser<'a, 'f> {
    fn new(d: &'a [u8], pos: usize, found: &'f mut Option<PdfProblem>, object: Option<u32>) -> Self {
        Parser { lex: Lexer { d, pos }, found, object, tok_start: pos }
    }

    /// The next token; every name passes the forbidden-names check here.
    fn next(&mut self) -> Tok<'a> {
        let (start, tok) = self.lex.next();
        self.tok_start = start;
        if let Tok::Name(n) = &tok
            && self.found.is_none()
        {
            *self.found = forbidden(n, self.object);
        }
        tok
    }

    fn unread(&mut self) {
        self.lex.pos = self.tok_start;
    }

    /// Looks at every token to the end (content streams, object streams).
    fn scan_all(&mut self) {
        while self.next() != Tok::Eof {}
    }

    fn value(&mut self, depth: usize) -> Result<Val, TooDeep> {
        let tok = self.next();
        self.value_from(tok, depth)
    }

    fn value_from(&mut self, tok: Tok<'a>, depth: usize) -> Result<Val, TooDeep> {
        let store = depth < STORE_DEPTH;
        Ok(match tok {
            Tok::Int(n) => {
                let save = self.lex.pos;
                if let (_, Tok::Int(g)) = self.lex.next()
                    && let (_, Tok::Word(b"R")) = self.lex.next()
                    && let (Ok(n), Ok(g)) = (u32::try_from(n), u16::try_from(g))
                {
                    return Ok(Val::Ref(n, g));
                }
                self.lex.pos = save;
                Val::Int(n)
            }
            Tok::Real => Val::Real,
            Tok::Str(s) => Val::Str(s),
            Tok::Name(n) => Val::Name(n),
            Tok::Word(b"true" | b"false") => Val::Bool,
            Tok::Word(b"null") | Tok::Eof | Tok::ArrClose | Tok::DictClose => Val::Null,
            Tok::Word(_) => Val::Skipped,
            Tok::ArrOpen | Tok::DictOpen if depth >= MAX_NESTING => return Err(TooDeep),
            Tok::ArrOpen => {
                let mut items = Vec::new();
                loop {
                    match self.next() {
                        Tok::ArrClose | Tok::Eof => break,
                        Tok::Word(b"endobj" | b"stream" | b"endstream") => {
                            self.unread();
                            break;
                        }
                        tok => {
                            let v = self.value_from(tok, depth + 1)?;
                            if store && items.len() < STORE_ITEMS {
                                items.push(v);
                            }
                        }
                    }
                }
                if store { Val::Arr(items) } else { Val::Skipped }
            }
            Tok::DictOpen => {
                let mut entries = Vec::new();
                loop {
                    match self.next() {
                        Tok::DictClose | Tok::Eof => break,
                        Tok::Word(b"endobj" | b"stream" | b"endstream") => {
                            self.unread();
                            break;
                        }
                        Tok::Name(key) => {
                            let v = match self.next() {
                                Tok::DictClose | Tok::Word(b"endobj" | b"stream" | b"endstream") => {
                                    self.unread();
                                    Val::Null
                                }
                                tok => self.value_from(tok, depth + 1)?,
                            };
                            // Past the cap, only the keys the checks rely on are kept.
                            if store && (entries.len() < STORE_ITEMS || key == b"Encrypt" || key == b"Root") {
                                entries.push((key, v));
                            }
                        }
                        // Not a key: parsed (for its names) and dropped, as a tolerant reader would.
                        tok => {
                            self.value_from(tok, depth + 1)?;
                        }
                    }
                }
                if store { Val::Dict(entries) } else { Val::Skipped }
            }
        })
    }
}

// ---- the checker -----------------------------------------------------------------------------

/// What the catalog, page tree and info checks need from an object.
struct ObjInfo {
    gen_nr: u16,
    catalog: bool,
    pages: Option<(u32, u16)>,
    count: Option<i64>,
    title: Option<Vec<u8>>,
}

struct TrailerInfo {
    root: Option<(u32, u16)>,
    info: Option<(u32, u16)>,
    title: Option<Vec<u8>>,
    encrypt: bool,
}

struct StreamInfo {
    object: u32,
    start: usize,
    end: usize,
    /// `None`: a filter that cannot be decoded here (or an indirect `/Filter`).
    filters: Option<Vec<Vec<u8>>>,
    predictor: bool,
    /// `/N` and `/First` of an object stream.
    objstm: Option<(usize, usize)>,
    /// Binary payloads (images, fonts, xref streams, XMP) are not PDF syntax and are not scanned.
    binary: bool,
}

#[derive(Default)]
struct Checker<'a> {
    data: &'a [u8],
    found: Option<PdfProblem>,
    objects: HashMap<u32, Vec<ObjInfo>>,
    object_count: usize,
    trailers: Vec<TrailerInfo>,
    streams: Vec<StreamInfo>,
    inflated: usize,
    work: usize,
}

fn too_deep(_: TooDeep) -> PdfProblem {
    PdfProblem::Unparseable(format!("arrays or dictionaries are nested more than {MAX_NESTING} levels deep"))
}

impl Checker<'_> {
    fn run(&mut self, version: String) -> Result<PdfInfo, PdfProblem> {
        let data = self.data;
        // Every `n g obj` and every `trailer`, wherever it is: a reader following (possibly
        // crafted) xref offsets could start at any of them, even inside another object's string
        // or stream, so each one is parsed and checked in file order.
        let mut i = 0;
        while let Some(p) = find(data, b"obj", i) {
            i = p + 3;
            if data.get(p + 3).is_none_or(|&b| !is_regular(b))
                && let Some((num, gen_nr)) = object_header(data, p)
            {
                self.object(num, gen_nr, p + 3)?;
            }
        }
        let mut i = 0;
        while let Some(p) = find(data, b"trailer", i) {
            i = p + 7;
            if data.get(p + 7).is_none_or(|&b| !is_regular(b)) && (p == 0 || !is_regular(data[p - 1])) {
                let mut parser = Parser::new(data, p + 7, &mut self.found, None);
                let v = parser.value(0).map_err(too_deep)?;
                let used = parser.lex.pos - p;
                self.spend(used)?;
                if matches!(v, Val::Dict(_)) {
                    self.trailers.push(trailer_info(&v));
                }
            }
        }
        if self.trailers.iter().any(|t| t.encrypt) {
            return Err(PdfProblem::Encrypted);
        }
        for stream in std::mem::take(&mut self.streams) {
            self.stream(&stream)?;
        }
        if self.object_count == 0 {
            return Err(PdfProblem::Unparseable("it contains no PDF objects".into()));
        }
        let catalog = self
            .trailers
            .iter()
            .rev()
            .filter_map(|t| t.root)
            .find_map(|r| self.lookup(r, |o| o.catalog))
            .ok_or_else(|| PdfProblem::Unparseable("there is no document catalog (no trailer /Root)".into()))?;
        let pages = catalog
            .pages
            .and_then(|r| self.lookup(r, |o| o.count.is_some()))
            .and_then(|o| u32::try_from(o.count?).ok());
        let title = self.trailers.iter().rev().find_map(|t| {
            t.title.clone().or_else(|| t.info.and_then(|r| self.lookup(r, |o| o.title.is_some())?.title.clone()))
        });
        Ok(PdfInfo { version, pages, title: title.map(|t| text_string(&t)) })
    }

    /// The newest definition of an object (of the generation, if there is one) that satisfies
    /// `want`; tolerant of files that define an object twice.
    fn lookup(&self, (num, gen_nr): (u32, u16), want: impl Fn(&ObjInfo) -> bool) -> Option<&ObjInfo> {
        let defs = self.objects.get(&num)?;
        let same_gen = defs.iter().any(|o| o.gen_nr == gen_nr);
        defs.iter().rev().filter(|o| !same_gen || o.gen_nr == gen_nr).find(|o| want(o))
    }

    /// Counts parser work against a budget proportional to the data, so that crafted overlaps
    /// (objects inside unterminated strings, …) cannot make the check quadratic.
    fn spend(&mut self, bytes: usize) -> Result<(), PdfProblem> {
        self.work += bytes;
        if self.work > 32 * (self.data.len() + self.inflated) + (1 << 20) {
            return Err(PdfProblem::Unparseable("its structure is too complex to check".into()));
        }
        Ok(())
    }

    fn record(&mut self, num: u32, gen_nr: u16, v: &Val) {
        self.object_count += 1;
        let info = ObjInfo {
            gen_nr,
            catalog: v.is_name(b"Type", b"Catalog"),
            pages: v.get_ref(b"Pages"),
            count: v.get_int(b"Count"),
            title: match v.get(b"Title") {
                Some(Val::Str(s)) => Some(s.clone()),
                _ => None,
            },
        };
        if info.catalog || info.pages.is_some() || info.count.is_some() || info.title.is_some() {
            self.objects.entry(num).or_default().push(info);
        }
    }

    /// Parses the object whose `obj` keyword ends at `pos`.
    fn object(&mut self, num: u32, gen_nr: u16, pos: usize) -> Result<(), PdfProblem> {
        let data = self.data;
        let mut parser = Parser::new(data, pos, &mut self.found, Some(num));
        let v = parser.value(0).map_err(too_deep)?;
        let mut end = parser.lex.pos;
        let stream = matches!(v, Val::Dict(_)) && matches!(parser.lex.next(), (_, Tok::Word(b"stream")));
        let mut start = parser.lex.pos;
        self.record(num, gen_nr, &v);
        if v.is_name(b"Type", b"XRef") {
            self.trailers.push(trailer_info(&v));
        }
        if stream {
            let rest = &data[start..];
            let eol = rest.iter().position(|&b| b != b' ' && b != b'\t');
            if let Some(n) = eol.filter(|&n| matches!(rest[n], b'\r' | b'\n')) {
                start += n + if rest[n..].starts_with(b"\r\n") { 2 } else { 1 };
            }
            let direct = v.get_int(b"Length").and_then(|l| usize::try_from(l).ok()).and_then(|l| start.checked_add(l));
            end = match direct.filter(|&e| e <= data.len() && endstream_at(data, e)) {
                Some(e) => e,
                // Indirect or wrong /Length: the data ends at the next `endstream`.
                None => match find(data, b"endstream", start) {
                    Some(mut e) => {
                        e -= usize::from(e > start && data[e - 1] == b'\n');
                        e -= usize::from(e > start && data[e - 1] == b'\r');
                        e
                    }
                    None => data.len(),
                },
            };
            self.streams.push(stream_info(num, start, end, &v));
        }
        self.spend(end - pos)
    }

    /// Decodes a stream and checks what is in it.
    fn stream(&mut self, s: &StreamInfo) -> Result<(), PdfProblem> {
        if s.binary && s.objstm.is_none() {
            return Ok(());
        }
        let data = self.data;
        let raw = &data[s.start..s.end];
        let decoded = match &s.filters {
            Some(filters) if !s.predictor => self.decode(raw, filters, s.object)?,
            _ => None,
        };
        let Some(d) = decoded else {
            if s.objstm.is_some() {
                return Err(PdfProblem::Unparseable(format!(
                    "object stream {} is encoded in a way that cannot be checked",
                    s.object
                )));
            }
            return Ok(());
        };
        if let Some((n, first)) = s.objstm {
            // The header gives each object's number and offset; a crafted offset could point into
            // another object's string, so each is parsed from its offset, and then everything once
            // more as one run of tokens.
            let mut header = Parser::new(&d[..first.min(d.len())], 0, &mut self.found, Some(s.object));
            let mut entries = Vec::new();
            while entries.len() < n {
                match (header.next(), header.next()) {
                    (Tok::Int(num), Tok::Int(off)) => entries.push((num, off)),
                    _ => break,
                }
            }
            let used = header.lex.pos;
            self.spend(used)?;
            for (num, off) in entries {
                let (Ok(num), Some(pos)) =
                    (u32::try_from(num), usize::try_from(off).ok().and_then(|o| o.checked_add(first)))
                else {
                    continue;
                };
                if pos < d.len() {
                    let mut parser = Parser::new(&d, pos, &mut self.found, Some(num));
                    let v = parser.value(0).map_err(too_deep)?;
                    let used = parser.lex.pos - pos;
                    self.record(num, 0, &v);
                    self.spend(used)?;
                }
            }
        }
        Parser::new(&d, 0, &mut self.found, Some(s.object)).scan_all();
        self.spend(d.len())
    }

    fn decode(&mut self, raw: &[u8], filters: &[Vec<u8>], object: u32) -> Result<Option<Vec<u8>>, PdfProblem> {
        let mut cur = raw.to_vec();
        for filter in filters {
            cur = match filter.as_slice() {
                b"FlateDecode" | b"Fl" => self.inflate(&cur, object)?,
                b"ASCIIHexDecode" | b"AHx" => {
                    let mut lex = Lexer { d: &cur, pos: 0 };
                    lex.hex_string()
                }
                b"ASCII85Decode" | b"A85" => ascii85(&cur),
                _ => return Ok(None),
            };
            self.inflated += cur.len();
            if self.inflated > MAX_INFLATED_BYTES {
                return Err(PdfProblem::ExpandsTooMuch { object: Some(object) });
            }
        }
        Ok(Some(cur))
    }

    fn inflate(&self, input: &[u8], object: u32) -> Result<Vec<u8>, PdfProblem> {
        let limit = MAX_INFLATED_BYTES.saturating_sub(self.inflated);
        let mut result = decompress_to_vec_zlib_with_limit(input, limit);
        if matches!(&result, Err(e) if e.output.is_empty() && e.status != TINFLStatus::HasMoreOutput) {
            // Some writers leave out the zlib header; readers accept raw deflate data too.
            result = decompress_to_vec_with_limit(input, limit);
        }
        match result {
            Ok(out) => Ok(out),
            Err(e) if e.status == TINFLStatus::HasMoreOutput => {
                Err(PdfProblem::ExpandsTooMuch { object: Some(object) })
            }
            // Damaged data: readers show what could be inflated, so that is what gets checked.
            Err(e) => Ok(e.output),
        }
    }
}

/// The object number and generation before the `obj` keyword at `p`, if there are two.
fn object_header(data: &[u8], p: usize) -> Option<(u32, u16)> {
    let mut i = p;
    let mut ints = [0u64; 2];
    for int in &mut ints {
        let ws_end = i;
        while i > 0 && is_ws(data[i - 1]) {
            i -= 1;
        }
        let digits_end = i;
        while i > 0 && data[i - 1].is_ascii_digit() && digits_end - i < 10 {
            i -= 1;
        }
        if i == digits_end || ws_end == digits_end {
            return None;
        }
        *int = std::str::from_utf8(&data[i..digits_end]).ok()?.parse().ok()?;
    }
    Some((u32::try_from(ints[1]).ok()?, u16::try_from(ints[0]).ok()?))
}

fn endstream_at(data: &[u8], mut p: usize) -> bool {
    while data.get(p).is_some_and(|&b| is_ws(b)) {
        p += 1;
    }
    data[p.min(data.len())..].starts_with(b"endstream")
}

fn trailer_info(v: &Val) -> TrailerInfo {
    let (info, title) = match v.get(b"Info") {
        Some(Val::Ref(n, g)) => (Some((*n, *g)), None),
        Some(d @ Val::Dict(_)) => match d.get(b"Title") {
            Some(Val::Str(s)) => (None, Some(s.clone())),
            _ => (None, None),
        },
        _ => (None, None),
    };
    TrailerInfo { root: v.get_ref(b"Root"), info, title, encrypt: v.get(b"Encrypt").is_some_and(|e| *e != Val::Null) }
}

fn stream_info(object: u32, start: usize, end: usize, v: &Val) -> StreamInfo {
    let names = |v: Option<&Val>| -> Option<Vec<Vec<u8>>> {
        match v {
            None | Some(Val::Null) => Some(Vec::new()),
            Some(Val::Name(n)) => Some(vec![n.clone()]),
            Some(Val::Arr(items)) => {
                items.iter().map(|i| if let Val::Name(n) = i { Some(n.clone()) } else { None }).collect()
            }
            _ => None,
        }
    };
    let predictor = match v.get(b"DecodeParms") {
        Some(d @ Val::Dict(_)) => d.get_int(b"Predictor").is_some_and(|p| p > 1),
        Some(Val::Arr(items)) => items.iter().any(|d| d.get_int(b"Predictor").is_some_and(|p| p > 1)),
        _ => false,
    };
    let objstm = v.is_name(b"Type", b"ObjStm").then(|| {
        let get = |k: &[u8]| v.get_int(k).and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
        (get(b"N"), get(b"First"))
    });
    let binary = v.is_name(b"Type", b"XRef")
        || v.is_name(b"Type", b"Metadata")
        || v.is_name(b"Subtype", b"Image")
        || [&b"Type1C"[..], b"CIDFontType0C", b"OpenType"].iter().any(|s| v.is_name(b"Subtype", s))
        || [&b"Length1"[..], b"Length2", b"Length3"].iter().any(|k| v.get(k).is_some());
    StreamInfo { object, start, end, filters: names(v.get(b"Filter")), predictor, objstm, binary }
}

fn ascii85(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut group = [0u8; 5];
    let mut n = 0;
    for &c in input {
        match c {
            b'~' => break,
            b'z' if n == 0 => out.extend([0; 4]),
            b'!'..=b'u' => {
                group[n] = c - b'!';
                n += 1;
                if n == 5 {
                    let v = group.iter().fold(0u32, |acc, &d| acc.wrapping_mul(85).wrapping_add(u32::from(d)));
                    out.extend(v.to_be_bytes());
                    n = 0;
                }
            }
            _ => {}
        }
    }
    if n > 1 {
        group[n..].fill(84);
        let v = group.iter().fold(0u32, |acc, &d| acc.wrapping_mul(85).wrapping_add(u32::from(d)));
        out.extend(&v.to_be_bytes()[..n - 1]);
    }
    out
}

/// A PDF text string: UTF-16BE or UTF-8 with a byte order mark, else PDFDocEncoding.
fn text_string(s: &[u8]) -> String {
    if let Some(utf16) = s.strip_prefix(b"\xfe\xff") {
        let units = utf16.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
        return char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')).collect();
    }
    if let Some(utf8) = s.strip_prefix(b"\xef\xbb\xbf") {
        return String::from_utf8_lossy(utf8).into_owned();
    }
    // PDFDocEncoding is Latin-1 but for a few punctuation marks in 0x18..0x1f and 0x80..0xa0.
    const HIGH: &str = "•†‡…—–ƒ⁄‹›−‰„“”‘’‚™ﬁﬂŁŒŠŸŽıłœšž\u{fffd}€";
    const LOW: &str = "˘ˇˆ˙˝˛˚˜";
    s.iter()
        .map(|&b| match b {
            0x18..=0x1f => LOW.chars().nth(usize::from(b - 0x18)).unwrap_or('\u{fffd}'),
            0x80..=0xa0 => HIGH.chars().nth(usize::from(b - 0x80)).unwrap_or('\u{fffd}'),
            _ => char::from(b),
        })
        .collect()
}

// ---- the demo form writer --------------------------------------------------------------------

/// A simple form for [`write_form_pdf`]: a title, a subtitle, labelled blank lines to fill in
/// and a footer on every page.
#[derive(Debug, Clone, Copy)]
pub struct FormSheet<'a> {
    /// Printed large at the top of the first page, and the document title.
    pub title: &'a str,
    /// Printed under the title.
    pub subtitle: &'a str,
    /// The field labels, each printed with a ruled line to write on.
    pub fields: &'a [&'a str],
    /// Printed at the bottom of every page, beside the page number.
    pub footer: &'a str,
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// The lowest a ruled line may go, to keep clear of the footer.
const BOTTOM: f32 = 80.0;

/// Writes a form as a plain A4 PDF 1.7 in Helvetica (WinAnsiEncoding, so German text prints
/// right; characters outside Windows-1252 become `?`). The output is deterministic.
pub fn write_form_pdf(form: &FormSheet) -> Vec<u8> {
    let (mut pages, mut page) = (Vec::new(), String::new());
    let mut y = PAGE_H - MARGIN;
    // The title is measured a tenth wider: Helvetica-Bold runs wider than the regular metrics.
    for line in wrap(form.title, 18.0 * 1.1) {
        y -= 22.0;
        text(&mut page, "F2", 18.0, MARGIN, y, &line);
    }
    y -= 4.0;
    for line in wrap(form.subtitle, 11.0) {
        y -= 15.0;
        text(&mut page, "F1", 11.0, MARGIN, y, &line);
    }
    y -= 12.0;
    for label in form.fields {
        let lines = wrap(label, 10.0);
        if y - 13.0 * lines.len() as f32 - 26.0 < BOTTOM && y < PAGE_H - MARGIN {
            pages.push(std::mem::take(&mut page));
            y = PAGE_H - MARGIN;
        }
        for line in &lines {
            y -= 13.0;
            text(&mut page, "F1", 10.0, MARGIN, y, line);
        }
        y -= 22.0;
        page.push_str(&format!("0.5 w 0.4 G {MARGIN} {y:.1} m {:.1} {y:.1} l S 0 G\n", PAGE_W - MARGIN));
        y -= 4.0;
    }
    pages.push(page);
    let total = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        page.push_str(&format!("0.3 w 0.6 G {MARGIN} 50 m {:.1} 50 l S 0 G\n", PAGE_W - MARGIN));
        for (k, line) in wrap(form.footer, 8.0 * 1.25).iter().take(2).enumerate() {
            text(page, "F1", 8.0, MARGIN, 38.0 - 10.0 * k as f32, line);
        }
        let number = format!("{} / {total}", i + 1);
        text(page, "F1", 8.0, PAGE_W - MARGIN - width(&number, 8.0), 38.0, &number);
    }

    // Objects: 1 catalog, 2 page tree, 3 and 4 fonts, 5 info, then a page and its content each.
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    let mut obj = |out: &mut Vec<u8>, body: &str| {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", offsets.len()).as_bytes());
    };
    let kids: Vec<String> = (0..total).map(|i| format!("{} 0 R", 6 + 2 * i)).collect();
    obj(&mut out, "<< /Type /Catalog /Pages 2 0 R >>");
    obj(&mut out, &format!("<< /Type /Pages /Kids [{}] /Count {total} >>", kids.join(" ")));
    for font in ["Helvetica", "Helvetica-Bold"] {
        obj(&mut out, &format!("<< /Type /Font /Subtype /Type1 /BaseFont /{font} /Encoding /WinAnsiEncoding >>"));
    }
    let title: String = form.title.encode_utf16().map(|u| format!("{u:04X}")).collect();
    obj(&mut out, &format!("<< /Title <FEFF{title}> /Producer (Regioportal) >>"));
    for (i, content) in pages.iter().enumerate() {
        obj(
            &mut out,
            &format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                7 + 2 * i
            ),
        );
        obj(&mut out, &format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()));
    }
    let xref = out.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1);
    for offset in &offsets {
        tail.push_str(&format!("{offset:010} 00000 n \n"));
    }
    tail.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        offsets.len() + 1
    ));
    out.extend(tail.as_bytes());
    out
}

fn text(page: &mut String, font: &str, size: f32, x: f32, y: f32, s: &str) {
    let mut lit = String::with_capacity(s.len() + 2);
    for b in s.chars().map(win_ansi) {
        match b {
            b'(' | b')' | b'\\' => lit.extend(['\\', char::from(b)]),
            0x20..=0x7e => lit.push(char::from(b)),
            // Octal keeps the content stream ASCII.
            _ => lit.push_str(&format!("\\{b:03o}")),
        }
    }
    page.push_str(&format!("BT /{font} {size} Tf {x:.1} {y:.1} Td ({lit}) Tj ET\n"));
}

/// Greedy word wrap to the text width, measured in Helvetica at `size`.
fn wrap(s: &str, size: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if width(&candidate, size) <= TEXT_W || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        }
        // A word wider than the line is broken wherever it has to be.
        while width(&line, size) > TEXT_W && line.chars().count() > 1 {
            let mut head = String::new();
            for c in line.chars() {
                if width(&format!("{head}{c}"), size) > TEXT_W && !head.is_empty() {
                    break;
                }
                head.push(c);
            }
            line = line[head.len()..].to_owned();
            lines.push(head);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The width in points, from Helvetica's metrics (accented letters as their base letters).
fn width(s: &str, size: f32) -> f32 {
    const ASCII: [u16; 95] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
        556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
        556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
        556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
        500, 500, 500, 334, 260, 334, 584,
    ];
    let units: u32 = s
        .chars()
        .map(|c| match c {
            ' '..='~' => u32::from(ASCII[c as usize - 32]),
            'Ä' => 667,
            'Ö' => 778,
            'Ü' => 722,
            'ß' => 611,
            '„' | '“' | '”' | '‚' | '‘' | '’' => 333,
            '—' | '…' => 1000,
            _ => 556,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// The Windows-1252 byte for a character, `?` if it has none.
fn win_ansi(c: char) -> u8 {
    const HIGH: &str = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8d}Ž\u{8f}\u{90}‘’“”•–—˜™š›œ\u{9d}žŸ";
    match c {
        ' '..='~' | '\u{a0}'..='\u{ff}' => c as u8,
        '\t' | '\n' | '\r' => b' ',
        _ => HIGH.chars().position(|h| h == c && !('\u{80}'..='\u{9f}').contains(&h)).map_or(b'?', |i| 0x80 + i as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::deflate::compress_to_vec_zlib;

    /// A PDF of the given object bodies (numbered from 1) with a correct xref table.
    fn pdf(objects: &[&[u8]], trailer: &str) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend(*body);
            out.extend(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
        for offset in offsets {
            out.extend(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend(
            format!("trailer\n<< /Size {} {trailer} >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
        );
        out
    }

    fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut s = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
        s.extend(data);
        s.extend(b"\nendstream");
        s
    }

    const PAGES: &[u8] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
    const PAGE: &[u8] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>";

    /// A one-page PDF whose catalog has `extra` entries, and further objects from 4 on.
    fn with_catalog(extra: &str, more: &[&[u8]]) -> Vec<u8> {
        let catalog = format!("<< /Type /Catalog /Pages 2 0 R {extra} >>");
        let mut objects = vec![catalog.as_bytes(), PAGES, PAGE];
        objects.extend(more);
        pdf(&objects, "/Root 1 0 R")
    }

    const FIELDS: [&str; 24] = [
        "Name, Vorname",
        "Straße und Hausnummer",
        "Postleitzahl, Ort",
        "Telefon (tagsüber)",
        "E-Mail",
        "Art der Veranstaltung („Straßenfest“, „Flohmarkt“ …)",
        "Datum und Uhrzeit – von/bis",
        "Ort der Veranstaltung",
        "Erwartete Besucherzahl",
        "Verantwortliche Person vor Ort",
        "Werden Speisen oder Getränke verkauft? Wenn ja: welche, und wer ist für die Einhaltung der Hygieneregeln verantwortlich? (Bitte ausführlich beschreiben, gerne auch auf einem Beiblatt.)",
        "Musik oder Lautsprecher",
        "Aufbauten (Zelte, Bühnen, Stände)",
        "Sperrung von Straßen oder Wegen",
        "Parkplätze für Besucher",
        "Sanitäter oder Sicherheitsdienst",
        "Versicherung",
        "Gebühr (5 € je angefangene Stunde)",
        "Bankverbindung (IBAN)",
        "Bemerkungen",
        "Ort, Datum",
        "Unterschrift",
        "Zeichen außerhalb von cp1252: ₿ ✓",
        "Ein_sehr_langes_Wort_ohne_Leerzeichen_das_umbrochen_werden_muss_weil_es_nicht_in_eine_Zeile_passt_und_noch_länger",
    ];

    fn demo() -> Vec<u8> {
        write_form_pdf(&FormSheet {
            title: "Antrag auf Genehmigung einer Veranstaltung im öffentlichen Raum (Straßenfest)",
            subtitle: "Bitte füllen Sie das Formular vollständig aus und senden Sie es an die Gemeindeverwaltung.",
            fields: &FIELDS,
            footer: "DEMO – kein amtliches Formular",
        })
    }

    fn problem(bytes: &[u8]) -> PdfProblem {
        check_pdf(bytes).expect_err("should be rejected")
    }

    #[test]
    fn the_demo_form_passes_with_its_title_and_pages() {
        let bytes = demo();
        let info = check_pdf(&bytes).expect("the demo form is accepted");
        assert_eq!(info.version, "1.7");
        assert_eq!(
            info.title.as_deref(),
            Some("Antrag auf Genehmigung einer Veranstaltung im öffentlichen Raum (Straßenfest)")
        );
        assert!(info.pages.is_some_and(|n| n >= 2), "{info:?}");
        let text = String::from_utf8_lossy(&bytes);
        // „ “ – € ß ü in Windows-1252, as octal escapes; ₿ and ✓ have no byte there.
        for escaped in ["\\204", "\\223", "\\226", "\\200", "\\337", "\\374", "(Zeichen au\\337erhalb von cp1252: ? ?)"]
        {
            assert!(text.contains(escaped), "{escaped}");
        }
        assert!(text.contains("(1 / 2)") && text.contains("(2 / 2)"));
        assert_eq!(text.matches("(DEMO \\226 kein amtliches Formular)").count(), 2);
    }

    #[test]
    fn the_demo_form_has_a_correct_xref_table() {
        let bytes = demo();
        let text = String::from_utf8_lossy(&bytes);
        let startxref: usize = text.rsplit("startxref\n").next().unwrap().lines().next().unwrap().parse().unwrap();
        assert!(bytes[startxref..].starts_with(b"xref\n0 "));
        let table = String::from_utf8_lossy(&bytes[startxref..]);
        let entries: Vec<&str> = table.lines().skip(3).take_while(|l| l.ends_with(" n ")).collect();
        assert!(entries.len() >= 9);
        for (i, entry) in entries.iter().enumerate() {
            let offset: usize = entry[..10].parse().unwrap();
            assert!(bytes[offset..].starts_with(format!("{} 0 obj\n", i + 1).as_bytes()), "object {}", i + 1);
        }
        // Each /Length is the exact length of its stream's data.
        for (p, _) in text.match_indices("/Length ") {
            let length: usize = text[p + 8..].split(' ').next().unwrap().parse().unwrap();
            let data = text[p..].find("stream\n").unwrap() + p + 7;
            assert!(text[data + length..].starts_with("\nendstream"));
        }
    }

    #[test]
    fn the_writer_maps_to_windows_1252() {
        assert_eq!(win_ansi('€'), 0x80);
        assert_eq!(win_ansi('„'), 0x84);
        assert_eq!(win_ansi('“'), 0x93);
        assert_eq!(win_ansi('–'), 0x96);
        assert_eq!(win_ansi('Ä'), 0xc4);
        assert_eq!(win_ansi('ß'), 0xdf);
        assert_eq!(win_ansi('\u{81}'), b'?');
        assert_eq!(win_ansi('✓'), b'?');
        let mut page = String::new();
        text(&mut page, "F1", 10.0, 0.0, 0.0, "a(b)c\\");
        assert!(page.contains("(a\\(b\\)c\\\\)"));
    }

    #[test]
    fn a_minimal_hand_written_pdf_passes() {
        // The xref offsets are deliberately wrong: the check does not rely on them.
        let bytes = b"%PDF-1.4
1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj
2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj
3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>> endobj
4 0 obj <</Length 5 0 R>> stream
BT /F1 12 Tf 72 720 Td (Hallo \\(Welt\\)) Tj ET
endstream endobj
5 0 obj 44 endobj
6 0 obj <</Title (Ein Formular \\374ber \\(alles\\)) /Producer <48 69>>> endobj
xref
0 7
0000000000 65535 f 
0000000001 00000 n 
trailer <</Size 7/Root 1 0 R/Info 6 0 R>>
startxref
999
%%EOF
";
        let info = check_pdf(bytes).unwrap();
        assert_eq!(
            info,
            PdfInfo { version: "1.4".into(), pages: Some(1), title: Some("Ein Formular über (alles)".into()) }
        );
    }

    #[test]
    fn headers_and_ends() {
        assert_eq!(problem(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01"), PdfProblem::NotPdf);
        assert_eq!(problem(b""), PdfProblem::NotPdf);
        assert_eq!(problem(b"%PDF-3.0\n%%EOF"), PdfProblem::NotPdf);
        assert_eq!(problem(b"%PDF-1.10\n%%EOF"), PdfProblem::NotPdf);
        let mut late = vec![b' '; 1500];
        late.extend(demo());
        assert_eq!(problem(&late), PdfProblem::NotPdf);
        let bytes = demo();
        assert_eq!(problem(&bytes[..bytes.len() / 2]), PdfProblem::Truncated);
        assert_eq!(problem(&bytes[..bytes.len() - 7]), PdfProblem::Truncated);
        // Junk after %%EOF, within 1024 bytes, is tolerated.
        let mut junk = bytes.clone();
        junk.extend([b'x'; 1000]);
        assert!(check_pdf(&junk).is_ok());
        junk.extend([b'x'; 100]);
        assert_eq!(problem(&junk), PdfProblem::Truncated);
        // A PDF 2.0 header, and a header after a few bytes of junk, are fine.
        let mut two = b"junk".to_vec();
        two.extend(String::from_utf8_lossy(&bytes).replacen("%PDF-1.7", "%PDF-2.0", 1).as_bytes());
        assert_eq!(check_pdf(&two).unwrap().version, "2.0");
    }

    #[test]
    fn garbage_after_the_header_is_unparseable() {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes.push(b"abc 012()<>[]/#%\n\\"[(x % 18) as usize]);
        }
        bytes.extend(b"\n%%EOF\n");
        assert_eq!(problem(&bytes).code(), "pdf-unparseable");
        // Objects, but no trailer pointing at a catalog.
        let no_root = pdf(&[b"<< /Type /Catalog /Pages 2 0 R >>", PAGES, PAGE], "");
        assert_eq!(problem(&no_root).code(), "pdf-unparseable");
        let wrong_root = pdf(&[b"<< /Type /Catalog /Pages 2 0 R >>", PAGES, PAGE], "/Root 2 0 R");
        assert_eq!(problem(&wrong_root).code(), "pdf-unparseable");
    }

    #[test]
    fn javascript_is_rejected_wherever_it_is() {
        let open_action =
            with_catalog("/OpenAction 4 0 R", &[b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"]);
        let p = problem(&open_action);
        assert_eq!(p, PdfProblem::JavaScript { object: Some(4) });
        assert_eq!(p.code(), "pdf-javascript");
        assert_eq!(
            p.to_string(),
            "The PDF contains JavaScript (object 4). Forms on this portal must not run scripts: export the form again \
             without scripts, e.g. 'Print to PDF', and upload that file."
        );
        let obfuscated = with_catalog("/OpenAction << /S /J#61vaScript /J#53 (x) >>", &[]);
        assert_eq!(problem(&obfuscated), PdfProblem::JavaScript { object: Some(1) });
        let in_annotation = with_catalog("", &[b"<< /Type /Annot /AA << /E << /S /JavaScript >> >> >>"]);
        assert_eq!(problem(&in_annotation), PdfProblem::JavaScript { object: Some(4) });
        // An object hidden in another object's string is still seen (crafted xref offsets could
        // point a reader at it).
        let hidden = with_catalog("", &[b"(5 0 obj << /S /JavaScript /JS (x) >> endobj)"]);
        assert_eq!(problem(&hidden), PdfProblem::JavaScript { object: Some(5) });
        // A name that merely contains the letters is fine.
        assert!(check_pdf(&with_catalog("/Names << /JSX 1 >> /Info (/JavaScript in a string)", &[])).is_ok());
    }

    /// An object stream holding the catalog (object 1) and `object4`.
    fn object_stream(object4: &str, filter: &str) -> Vec<u8> {
        let first = "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>";
        let objects = format!("{first} {object4}");
        let header = format!("1 0 4 {} ", first.len() + 1);
        let body = format!("{header}{objects}");
        let data = if filter.is_empty() { body.into_bytes() } else { compress_to_vec_zlib(body.as_bytes(), 6) };
        let objstm = stream(&format!("/Type /ObjStm /N 2 /First {} {filter}", header.len()), &data);
        // Object 1 and 4 live in object 5; the trailer must point at 1 all the same.
        pdf(&[b"null", PAGES, PAGE, b"null", &objstm], "/Root 1 0 R")
    }

    #[test]
    fn javascript_in_a_compressed_object_stream_is_rejected() {
        let bytes = object_stream("<< /JS (app.alert\\(1\\)) >>", "/Filter /FlateDecode");
        assert!(find(&bytes, b"JS", 0).is_none(), "the fixture hides the name");
        assert_eq!(problem(&bytes), PdfProblem::JavaScript { object: Some(4) });
        let plain = object_stream("<< /S /J#53 >>", "");
        assert_eq!(problem(&plain), PdfProblem::JavaScript { object: Some(4) });
        // The same without the script: the catalog is found inside the object stream.
        let clean = object_stream("<< /S /GoTo /D [3 0 R /Fit] >>", "/Filter [/FlateDecode]");
        assert_eq!(check_pdf(&clean).unwrap().pages, Some(1));
        // A filter that cannot be checked is refused for object streams.
        let lzw = object_stream("<< >>", "/Filter /LZWDecode");
        assert_eq!(problem(&lzw).code(), "pdf-unparseable");
    }

    #[test]
    fn javascript_in_a_compressed_content_stream_is_rejected() {
        let content = compress_to_vec_zlib(b"/JavaScript BMC EMC", 6);
        let bytes = with_catalog("", &[&stream("/Filter /FlateDecode", &content)]);
        assert_eq!(problem(&bytes), PdfProblem::JavaScript { object: Some(4) });
        // Through ASCIIHex and Flate, with an indirect /Length.
        let hex: String = content.iter().map(|b| format!("{b:02x}")).collect();
        let mut s = b"<< /Filter [/AHx /Fl] /Length 5 0 R >>\nstream\n".to_vec();
        s.extend(format!("{hex}>\nendstream").as_bytes());
        let bytes = with_catalog("", &[&s, b"999"]);
        assert_eq!(problem(&bytes), PdfProblem::JavaScript { object: Some(4) });
    }

    #[test]
    fn other_active_content_is_rejected() {
        let launch = with_catalog("/OpenAction << /S /Launch /F (cmd.exe) >>", &[]);
        assert_eq!(problem(&launch), PdfProblem::Launch { object: Some(1) });
        let files =
            with_catalog("/Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>", &[b"<< /Type /Filespec >>"]);
        assert_eq!(problem(&files).code(), "pdf-embedded-file");
        let file = with_catalog("", &[&stream("/Type /EmbeddedFile", b"MZ")]);
        assert_eq!(problem(&file), PdfProblem::EmbeddedFile { object: Some(4) });
        let media = with_catalog("", &[b"<< /Type /Annot /Subtype /RichMedia >>"]);
        assert_eq!(problem(&media).code(), "pdf-rich-media");
        let xfa = with_catalog("/AcroForm << /Fields [] /XFA 4 0 R >>", &[&stream("", b"<xdp:xdp/>")]);
        assert_eq!(problem(&xfa), PdfProblem::Xfa { object: Some(1) });
        for p in [launch, files, file, media, xfa].map(|b| problem(&b)) {
            assert!(p.to_string().contains("upload that file"), "{p}");
        }
    }

    #[test]
    fn encrypted_pdfs_are_rejected() {
        let catalog = b"<< /Type /Catalog /Pages 2 0 R >>";
        let bytes = pdf(&[catalog, PAGES, PAGE, b"<< /Filter /Standard /V 2 /R 3 >>"], "/Root 1 0 R /Encrypt 4 0 R");
        let p = problem(&bytes);
        assert_eq!(p, PdfProblem::Encrypted);
        assert_eq!(p.code(), "pdf-encrypted");
        assert!(p.to_string().contains("without a password"));
        // Also in a cross-reference stream's dictionary.
        let xref = stream("/Type /XRef /Root 1 0 R /Encrypt 4 0 R /W [1 2 1]", b"\x01\x00\x00\x00");
        let bytes = pdf(&[catalog, PAGES, PAGE, b"<< /Filter /Standard >>", &xref], "");
        assert_eq!(problem(&bytes), PdfProblem::Encrypted);
    }

    #[test]
    fn a_root_in_a_cross_reference_stream_is_found() {
        let catalog = b"<< /Type /Catalog /Pages 2 0 R >>";
        let xref =
            stream("/Type /XRef /Root 1 0 R /W [1 2 1] /Filter /FlateDecode", &compress_to_vec_zlib(&[0; 20], 6));
        let mut bytes = pdf(&[catalog, PAGES, PAGE, &xref], "");
        // Cross-reference streams come without a trailer.
        let t = find(&bytes, b"trailer", 0).unwrap();
        bytes.splice(t..t + 7, *b"       ");
        assert_eq!(check_pdf(&bytes).unwrap().pages, Some(1));
    }

    /// A zlib stream of `n` zeros: fixed-Huffman matches of 258 bytes at 13 bits each, so
    /// 200 MiB come to 1.3 MB, made without ever holding the zeros.
    fn zeros_deflated(n: usize) -> Vec<u8> {
        let mut out = vec![0x78, 0x01];
        let (mut acc, mut bits) = (0u32, 0);
        let mut put = |out: &mut Vec<u8>, value: u32, len: u32| {
            acc |= value << bits;
            bits += len;
            while bits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                bits -= 8;
            }
        };
        // Huffman codes go most significant bit first.
        let huff = |code: u32, len: u32| code.reverse_bits() >> (32 - len);
        put(&mut out, 0b011, 3); // the last block, fixed codes
        put(&mut out, huff(0x30, 8), 8); // the literal 0
        for _ in 0..(n - 1) / 258 {
            put(&mut out, huff(0xc5, 8), 8); // length 258
            put(&mut out, 0, 5); // distance 1
        }
        put(&mut out, 0, 7); // end of block
        put(&mut out, 0, 7);
        let adler = (((n - 1) / 258 * 258 + 1) % 65521) << 16 | 1;
        out.extend((adler as u32).to_be_bytes());
        out
    }

    #[test]
    fn a_deflate_bomb_is_rejected() {
        let small = zeros_deflated(1 << 20);
        assert_eq!(
            miniz_oxide::inflate::decompress_to_vec_zlib(&small).unwrap().len(),
            ((1 << 20) - 1) / 258 * 258 + 1
        );
        let bomb = zeros_deflated(200 << 20);
        assert!(bomb.len() < 2 << 20);
        let bytes = with_catalog("", &[&stream("/Filter /FlateDecode", &bomb)]);
        let p = problem(&bytes);
        assert_eq!(p, PdfProblem::ExpandsTooMuch { object: Some(4) });
        assert_eq!(p.code(), "pdf-expands-too-much");
        // Streams add up: with the budget nearly spent, a small stream is one too many.
        let mut checker = Checker { data: &bytes, inflated: MAX_INFLATED_BYTES - 1000, ..Checker::default() };
        assert_eq!(checker.inflate(&zeros_deflated(4000), 7), Err(PdfProblem::ExpandsTooMuch { object: Some(7) }));
        assert_eq!(checker.inflate(&zeros_deflated(900), 7).map(|d| d.len()), Ok(775));
        let decoded = checker.decode(&zeros_deflated(2000), &[b"FlateDecode".to_vec()], 7);
        assert_eq!(decoded, Err(PdfProblem::ExpandsTooMuch { object: Some(7) }));
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        for open in ["[", "<< /A ", "[<<"] {
            let deep = open.repeat(100_000);
            let p = problem(&with_catalog("", &[deep.as_bytes()]));
            assert_eq!(p.code(), "pdf-unparseable");
            assert!(p.to_string().contains("nested more than 64 levels"), "{p}");
        }
        let fine = format!("{}{}", "[".repeat(60), "]".repeat(60));
        assert!(check_pdf(&with_catalog("", &[fine.as_bytes()])).is_ok());
        // Content streams are read as a flat run of tokens.
        let deep = "[".repeat(100_000);
        assert!(check_pdf(&with_catalog("", &[&stream("", deep.as_bytes())])).is_ok());
    }

    #[test]
    fn overlapping_unterminated_strings_stay_linear() {
        let body = "9 0 obj (".repeat(50_000);
        let p = problem(&with_catalog("", &[body.as_bytes()]));
        assert_eq!(p, PdfProblem::Unparseable("its structure is too complex to check".into()));
    }

    #[test]
    fn text_strings_are_decoded() {
        assert_eq!(text_string(b"\xfe\xff\x00\xc4\x20\xac"), "Ä€");
        assert_eq!(text_string(b"\xef\xbb\xbf\xc3\xa4"), "ä");
        assert_eq!(text_string(b"Stra\xdfe \x8cgut\x8d \xa0"), "Straße „gut“ €");
    }

    #[test]
    fn mutated_pdfs_never_panic() {
        let seeds = [demo(), object_stream("<< /S /GoTo >>", "/Filter /FlateDecode"), {
            let content = compress_to_vec_zlib(b"BT (x) Tj ET", 6);
            with_catalog("/Names << /A#20B (\\() >>", &[&stream("/Filter [/A85 /Fl]", &content)])
        }];
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for round in 0..3000 {
            let mut bytes = seeds[round % seeds.len()].clone();
            match next(4) {
                0 => bytes.truncate(next(bytes.len())),
                1 => {
                    for _ in 0..1 + next(8) {
                        let at = next(bytes.len());
                        bytes[at] = b"()<>[]/#\\%0 Rn\xff"[next(15)];
                    }
                }
                2 => {
                    let at = next(bytes.len());
                    let from = next(bytes.len());
                    let len = next(200).min(bytes.len() - from);
                    let chunk = bytes[from..from + len].to_vec();
                    bytes.splice(at..at, chunk);
                }
                _ => {
                    let at = next(bytes.len());
                    let len = next(64).min(bytes.len() - at);
                    bytes.drain(at..at + len);
                }
            }
            let _ = check_pdf(&bytes);
        }
    }
}
