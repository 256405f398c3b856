//! Invoice PDFs, written with `pdf-writer`.
//!
//! The document uses only the standard Type1 fonts Helvetica and
//! Helvetica-Bold with `WinAnsiEncoding`: every PDF viewer has them built in,
//! so nothing is embedded and rendering needs no font files, no file system
//! and no network. The price is that only the WinAnsi (Windows-1252) character
//! set can be shown; every other character, and every control character, is
//! replaced by `?` so that the content stream always stays valid.
//!
//! Layout is computed with the fonts' real advance widths (the Adobe AFM
//! metrics, tabulated below), so text that is too long for its place is cut
//! and ended with `...` instead of running into the next column or off the
//! page, and a long table of lines continues on further pages.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

/// One row of the invoice table.
pub struct InvoiceLine {
    /// What is billed, e.g. "Pro plan, 1-31 May".
    pub description: String,
    /// Shown as given (e.g. "1", "12,000 shots"), so callers choose units.
    pub quantity: String,
    /// In minor units (cents) of the invoice's currency.
    pub amount: i64,
}

/// Everything printed on an invoice. Strings may hold any Unicode; see the
/// module docs for what happens to characters the fonts cannot show.
pub struct InvoiceDoc {
    pub number: String,
    pub organization: String,
    pub period: String,
    pub issued: String,
    /// ISO 4217 code, e.g. "USD"; amounts are printed with it.
    pub currency: String,
    pub lines: Vec<InvoiceLine>,
    /// In minor units; printed as given (not recomputed from the lines), so
    /// the PDF always shows what was charged.
    pub total: i64,
    pub payment_status: String,
}

/// A4 in PDF points (1/72 inch).
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const LEFT: f32 = 50.0;
const RIGHT: f32 = PAGE_W - 50.0;
const CONTENT_W: f32 = RIGHT - LEFT;

/// Table geometry: the description is left-aligned, quantity and amount are
/// right-aligned so that digits line up.
const DESC_W: f32 = 245.0;
const QTY_RIGHT: f32 = 385.0;
const QTY_W: f32 = 80.0;
const AMOUNT_W: f32 = 150.0;
const BODY_SIZE: f32 = 9.0;
const ROW_H: f32 = 14.0;
/// Baseline of the first table row on the first page and on later pages.
const FIRST_PAGE_TOP: f32 = 670.0;
const NEXT_PAGE_TOP: f32 = 755.0;
/// No row's baseline goes below this (the footer sits under it).
const BOTTOM: f32 = 60.0;
/// The total needs the space of this many rows (a rule and the total line).
const TOTAL_ROWS: usize = 2;

/// At most this many lines are drawn; any more are summarised in one row.
/// It keeps the page count, and so the PDF object ids (an `i32` in
/// `pdf-writer`, which panics outside `1..=i32::MAX`), far inside their
/// range for any input. No real invoice comes near it.
const MAX_LINES: usize = 1_000_000;

const REGULAR_NAME: Name<'static> = Name(b"F1");
const BOLD_NAME: Name<'static> = Name(b"F2");

/// Object ids: fixed ones first, then a (page, content stream) pair per page.
const CATALOG_ID: Ref = Ref::new(1);
const PAGE_TREE_ID: Ref = Ref::new(2);
const REGULAR_ID: Ref = Ref::new(3);
const BOLD_ID: Ref = Ref::new(4);
const FIRST_PAGE_OBJ: usize = 5;

/// Renders `doc` as a one-or-more page A4 PDF: the header "Invoice
/// <number>", the organization, period, issue date and payment status, a
/// table of lines (description, quantity, amount) and the total. Long text is
/// cut to fit; many lines continue on further pages, each of which repeats
/// the table header and says "Page i of n". Never panics and never fails:
/// the whole document is built in memory.
pub fn render(doc: &InvoiceDoc) -> Vec<u8> {
    render_limited(doc, MAX_LINES)
}

/// Integer minor units as text with the currency code: `123456, "USD"` is
/// `"USD 1,234.56"`. A negative amount (a credit) puts the minus sign before
/// the code, `"-USD 1.00"`, so that it cannot be overlooked in a column of
/// amounts. All supported currencies (USD, EUR, GBP, CHF) have two decimals;
/// any other code is printed the same way (it is not rejected, since an
/// invoice must render whatever was stored), and an empty code prints the
/// number alone. Works for the whole `i64` range, `i64::MIN` included.
pub fn format_minor(amount: i64, currency: &str) -> String {
    let abs = amount.unsigned_abs();
    let units = (abs / 100).to_string();
    let cents = abs % 100;
    let mut out = String::with_capacity(units.len() + currency.len() + 8);
    if amount < 0 {
        out.push('-');
    }
    let currency = currency.trim();
    if !currency.is_empty() {
        out.push_str(currency);
        out.push(' ');
    }
    // Thousands separators: a comma before every group of three digits
    // counted from the right.
    let len = units.len();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out.push('.');
    if cents < 10 {
        out.push('0');
    }
    out.push_str(&cents.to_string());
    out
}

/// A table row: an invoice line, or the note that replaces lines past the
/// limit.
enum Row<'a> {
    Line(&'a InvoiceLine),
    Omitted(usize),
}

fn render_limited(doc: &InvoiceDoc, max_lines: usize) -> Vec<u8> {
    let mut rows: Vec<Row> = doc.lines.iter().take(max_lines).map(Row::Line).collect();
    if doc.lines.len() > max_lines {
        rows.push(Row::Omitted(doc.lines.len() - max_lines));
    }
    let pages = paginate(rows.len());
    let page_count = pages.len();

    let mut pdf = Pdf::new();
    pdf.catalog(CATALOG_ID).pages(PAGE_TREE_ID);
    let page_ids: Vec<Ref> = (0..page_count).map(|i| obj_ref(i, 0)).collect();
    pdf.pages(PAGE_TREE_ID)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(page_count).unwrap_or(i32::MAX));
    pdf.type1_font(REGULAR_ID)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(BOLD_ID)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));

    for (index, range) in pages.iter().enumerate() {
        let content_id = obj_ref(index, 1);
        let mut page = pdf.page(obj_ref(index, 0));
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(PAGE_TREE_ID);
        page.contents(content_id);
        page.resources()
            .fonts()
            .pair(REGULAR_NAME, REGULAR_ID)
            .pair(BOLD_NAME, BOLD_ID);
        page.finish();

        let mut content = Content::new();
        let first = index == 0;
        let last = index + 1 == page_count;
        let mut y = if first {
            draw_first_header(&mut content, doc)
        } else {
            let title = format!("Invoice {} (continued)", doc.number);
            draw_text(
                &mut content,
                Font::Bold,
                11.0,
                LEFT,
                800.0,
                &title,
                CONTENT_W,
            );
            draw_table_header(&mut content, 775.0)
        };
        for row in rows.get(range.clone()).unwrap_or(&[]) {
            draw_row(&mut content, row, &doc.currency, y);
            y -= ROW_H;
        }
        if last {
            draw_total(&mut content, doc, y);
        }
        let footer = format!("Page {} of {}", index + 1, page_count);
        draw_text_right(
            &mut content,
            Font::Regular,
            8.0,
            RIGHT,
            30.0,
            &footer,
            CONTENT_W,
        );
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

/// The id of a page's object (`slot` 0) or its content stream (`slot` 1).
/// `MAX_LINES` bounds the page count, so the id always fits an `i32`.
fn obj_ref(page: usize, slot: usize) -> Ref {
    let id = page
        .saturating_mul(2)
        .saturating_add(FIRST_PAGE_OBJ)
        .saturating_add(slot);
    Ref::new(i32::try_from(id).unwrap_or(i32::MAX))
}

/// How many table rows fit between `top` and the bottom margin.
fn rows_fitting(top: f32) -> usize {
    ((top - BOTTOM) / ROW_H) as usize + 1
}

/// Splits `rows` table rows into pages: as many as fit on each, and the
/// total on the last page, which is an extra page when the last rows fill
/// theirs. There is always at least one page.
fn paginate(rows: usize) -> Vec<std::ops::Range<usize>> {
    let mut pages = Vec::new();
    let mut start = 0;
    loop {
        let capacity = rows_fitting(if pages.is_empty() {
            FIRST_PAGE_TOP
        } else {
            NEXT_PAGE_TOP
        });
        let take = capacity.min(rows - start);
        pages.push(start..start + take);
        start += take;
        if start >= rows && capacity - take >= TOTAL_ROWS {
            return pages;
        }
    }
}

/// The first page's header block; returns the baseline of the first row.
fn draw_first_header(content: &mut Content, doc: &InvoiceDoc) -> f32 {
    let title = format!("Invoice {}", doc.number);
    draw_text(content, Font::Bold, 18.0, LEFT, 792.0, &title, CONTENT_W);
    let fields = [
        ("Organization:", &doc.organization),
        ("Period:", &doc.period),
        ("Issued:", &doc.issued),
        ("Payment status:", &doc.payment_status),
    ];
    let value_x = LEFT + 90.0;
    let mut y = 765.0;
    for (label, value) in fields {
        draw_text(content, Font::Bold, 10.0, LEFT, y, label, 88.0);
        draw_text(
            content,
            Font::Regular,
            10.0,
            value_x,
            y,
            value,
            RIGHT - value_x,
        );
        y -= 15.0;
    }
    draw_table_header(content, 690.0)
}

/// Column titles and a rule under them; returns the first row's baseline.
fn draw_table_header(content: &mut Content, y: f32) -> f32 {
    draw_text(
        content,
        Font::Bold,
        BODY_SIZE,
        LEFT,
        y,
        "Description",
        DESC_W,
    );
    draw_text_right(
        content,
        Font::Bold,
        BODY_SIZE,
        QTY_RIGHT,
        y,
        "Quantity",
        QTY_W,
    );
    draw_text_right(content, Font::Bold, BODY_SIZE, RIGHT, y, "Amount", AMOUNT_W);
    draw_rule(content, y - 6.0);
    y - 20.0
}

fn draw_row(content: &mut Content, row: &Row, currency: &str, y: f32) {
    match row {
        Row::Line(line) => {
            draw_text(
                content,
                Font::Regular,
                BODY_SIZE,
                LEFT,
                y,
                &line.description,
                DESC_W,
            );
            draw_text_right(
                content,
                Font::Regular,
                BODY_SIZE,
                QTY_RIGHT,
                y,
                &line.quantity,
                QTY_W,
            );
            let amount = format_minor(line.amount, currency);
            draw_text_right(
                content,
                Font::Regular,
                BODY_SIZE,
                RIGHT,
                y,
                &amount,
                AMOUNT_W,
            );
        }
        Row::Omitted(count) => {
            let note = format!("... and {count} more lines, not shown");
            draw_text(content, Font::Regular, BODY_SIZE, LEFT, y, &note, CONTENT_W);
        }
    }
}

/// A rule, then "Total" and the amount in bold, below the row whose
/// baseline would have been `next_row_y`.
fn draw_total(content: &mut Content, doc: &InvoiceDoc, next_row_y: f32) {
    draw_rule(content, next_row_y + 8.0);
    let y = next_row_y - 6.0;
    draw_text(content, Font::Bold, 10.0, LEFT, y, "Total", DESC_W);
    let total = format_minor(doc.total, &doc.currency);
    draw_text_right(
        content,
        Font::Bold,
        10.0,
        RIGHT,
        y,
        &total,
        CONTENT_W - 60.0,
    );
}

fn draw_rule(content: &mut Content, y: f32) {
    content.set_line_width(0.5);
    content.move_to(LEFT, y);
    content.line_to(RIGHT, y);
    content.stroke();
}

/// Shows `text` with its left edge at `x`, cut to `max_width` points.
fn draw_text(
    content: &mut Content,
    font: Font,
    size: f32,
    x: f32,
    y: f32,
    text: &str,
    max_width: f32,
) {
    let bytes = fit(text, font, size, max_width);
    show(content, font, size, x, y, &bytes);
}

/// Shows `text` with its right edge at `right`, cut to `max_width` points.
fn draw_text_right(
    content: &mut Content,
    font: Font,
    size: f32,
    right: f32,
    y: f32,
    text: &str,
    max_width: f32,
) {
    let bytes = fit(text, font, size, max_width);
    let width = font.units(&bytes) as f32 * size / 1000.0;
    show(content, font, size, right - width, y, &bytes);
}

/// `bytes` are WinAnsi codes; `Str` escapes parentheses and backslashes (and
/// writes non-ASCII bytes as a hex string), so any byte sequence is safe.
fn show(content: &mut Content, font: Font, size: f32, x: f32, y: f32, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    content.begin_text();
    content.set_font(font.name(), size);
    content.next_line(x, y);
    content.show(Str(bytes));
    content.end_text();
}

/// The WinAnsi encoding of `text`, cut so that it is at most `max_width`
/// points wide at `size`; a cut string ends in "...". Stops reading `text`
/// as soon as the width is exceeded, so a huge string costs no more than a
/// short one.
fn fit(text: &str, font: Font, size: f32, max_width: f32) -> Vec<u8> {
    if size <= 0.0 || max_width <= 0.0 {
        return Vec::new();
    }
    // The width budget in font units (1/1000 of the font size).
    let budget = (max_width * 1000.0 / size) as u64;
    let mut out = Vec::new();
    let mut used = 0u64;
    for c in text.chars() {
        let byte = win_ansi(c);
        let w = font.width(byte);
        if used + w > budget {
            // Too long: make room for "..." by dropping characters from the end.
            let dot = font.width(b'.');
            while used + 3 * dot > budget {
                match out.pop() {
                    Some(b) => used -= font.width(b),
                    None => break,
                }
            }
            // Normally all three dots fit; in a tiny budget, as many as do.
            for _ in 0..3 {
                if used + dot > budget {
                    break;
                }
                out.push(b'.');
                used += dot;
            }
            return out;
        }
        out.push(byte);
        used += w;
    }
    out
}

/// The WinAnsiEncoding (Windows-1252) code of `c`, or `?` for a character
/// that the encoding lacks or that is a control character (C0, DEL, C1).
/// U+00A0..U+00FF are Latin-1 and share their codes; 0x80..0x9F hold the
/// typographic extras below.
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' | '\u{A0}'..='\u{FF}' => c as u8,
        '\u{20AC}' => 0x80, // euro sign
        '\u{201A}' => 0x82,
        '\u{0192}' => 0x83,
        '\u{201E}' => 0x84,
        '\u{2026}' => 0x85, // ellipsis
        '\u{2020}' => 0x86,
        '\u{2021}' => 0x87,
        '\u{02C6}' => 0x88,
        '\u{2030}' => 0x89,
        '\u{0160}' => 0x8A,
        '\u{2039}' => 0x8B,
        '\u{0152}' => 0x8C,
        '\u{017D}' => 0x8E,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201C}' => 0x93,
        '\u{201D}' => 0x94,
        '\u{2022}' => 0x95,
        '\u{2013}' => 0x96, // en dash
        '\u{2014}' => 0x97, // em dash
        '\u{02DC}' => 0x98,
        '\u{2122}' => 0x99,
        '\u{0161}' => 0x9A,
        '\u{203A}' => 0x9B,
        '\u{0153}' => 0x9C,
        '\u{017E}' => 0x9E,
        '\u{0178}' => 0x9F,
        _ => b'?',
    }
}

#[derive(Clone, Copy)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => REGULAR_NAME,
            Font::Bold => BOLD_NAME,
        }
    }

    /// Advance width of a WinAnsi code in 1/1000 em. Codes the encoding
    /// leaves undefined are never produced by `win_ansi`; they count as a
    /// full em just in case.
    fn width(self, byte: u8) -> u64 {
        let table = match self {
            Font::Regular => &HELVETICA_WIDTHS,
            Font::Bold => &HELVETICA_BOLD_WIDTHS,
        };
        match usize::from(byte)
            .checked_sub(0x20)
            .and_then(|i| table.get(i))
        {
            Some(&w) if w > 0 => u64::from(w),
            _ => 1000,
        }
    }

    fn units(self, bytes: &[u8]) -> u64 {
        bytes.iter().map(|&b| self.width(b)).sum()
    }
}

// Advance widths of the WinAnsi codes 0x20..=0xFF in 1/1000 em, from the
// Adobe AFM metrics of Helvetica and Helvetica-Bold (0 = code undefined).
const HELVETICA_WIDTHS: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    0, 556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 222, 222,
    333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    260, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 578, 537, 278, 333,
    333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];
const HELVETICA_BOLD_WIDTHS: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    0, 556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 278, 278,
    500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    280, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 611, 556, 278, 333,
    333, 365, 556, 834, 834, 834, 611, 722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, 611, 611,
    611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;
    use std::process::Command;

    fn line(description: &str, quantity: &str, amount: i64) -> InvoiceLine {
        InvoiceLine {
            description: description.to_string(),
            quantity: quantity.to_string(),
            amount,
        }
    }

    fn doc(lines: Vec<InvoiceLine>) -> InvoiceDoc {
        let total = lines.iter().map(|l| l.amount).sum();
        InvoiceDoc {
            number: "INV-2026-0042".to_string(),
            organization: "Acme Quantum Ltd".to_string(),
            period: "2026-05-01 to 2026-05-31".to_string(),
            issued: "2026-06-01".to_string(),
            currency: "USD".to_string(),
            lines,
            total,
            payment_status: "paid".to_string(),
        }
    }

    /// Extracts the text with poppler's `pdftotext -layout`, which also
    /// checks that the file parses: poppler reports syntax errors on stderr.
    fn pdftotext(pdf: &[u8], name: &str) -> String {
        let path = std::env::temp_dir().join(format!(
            "qhub-invoice-test-{}-{name}.pdf",
            std::process::id()
        ));
        std::fs::write(&path, pdf).expect("write the PDF to a temp file");
        let result = Command::new("pdftotext")
            .arg("-layout")
            .arg(&path)
            .arg("-")
            .output();
        let _ = std::fs::remove_file(&path);
        let out = match result {
            Ok(out) => out,
            Err(e) if e.kind() == ErrorKind::NotFound => panic!(
                "pdftotext not found: install poppler-utils \
                 (apt-get install poppler-utils; `make test` installs it)"
            ),
            Err(e) => panic!("running pdftotext: {e}"),
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "pdftotext failed: {stderr}");
        assert!(
            !stderr.contains("Error"),
            "pdftotext reported errors: {stderr}"
        );
        String::from_utf8(out.stdout).expect("pdftotext prints UTF-8")
    }

    fn page_count(pdf: &[u8]) -> usize {
        let needle = b"/Type /Page";
        pdf.windows(needle.len() + 1)
            .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
            .count()
    }

    fn assert_pdf_envelope(pdf: &[u8]) {
        assert!(pdf.starts_with(b"%PDF-"), "no %PDF- header");
        let end = pdf.strip_suffix(b"\n").unwrap_or(pdf);
        let end = end.strip_suffix(b"\r").unwrap_or(end);
        assert!(end.ends_with(b"%%EOF"), "no %%EOF trailer");
    }

    #[test]
    fn output_is_a_pdf() {
        let pdf = render(&doc(vec![line("Pro plan", "1", 4900)]));
        assert_pdf_envelope(&pdf);
        assert_eq!(page_count(&pdf), 1);
        let empty = render(&doc(Vec::new()));
        assert_pdf_envelope(&empty);
        assert_eq!(page_count(&empty), 1);
    }

    #[test]
    fn pdftotext_shows_every_field() {
        let mut d = doc(vec![
            line("Pro plan \u{2014} May", "1", 4900),
            line(
                "Simulator shots (ibm-sim) \\ batch",
                "12,000 shots",
                123_456,
            ),
            line(
                "Cr\u{e8}me br\u{fb}l\u{e9}e \u{2713} \u{1F600} tab\there",
                "2",
                -100,
            ),
        ]);
        d.organization = "Acme (Z\u{fc}rich) \u{4e2d}\u{6587} GmbH".to_string();
        d.payment_status = "open \u{2013} due 2026-06-15".to_string();
        let text = pdftotext(&render(&d), "fields");
        for expected in [
            "Invoice INV-2026-0042",
            "Acme (Z\u{fc}rich) ?? GmbH",
            "2026-05-01 to 2026-05-31",
            "2026-06-01",
            "open \u{2013} due 2026-06-15",
            "Pro plan \u{2014} May",
            "Simulator shots (ibm-sim) \\ batch",
            "12,000 shots",
            "Cr\u{e8}me br\u{fb}l\u{e9}e ? ? tab?here",
            "USD 1,234.56",
            "-USD 1.00",
            "USD 1,282.56",
            "Page 1 of 1",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
    }

    #[test]
    fn long_descriptions_are_cut_to_fit() {
        let long = "x".repeat(5_000_000);
        let mut d = doc(vec![line(&long, &long, i64::MIN)]);
        d.number = long.clone();
        d.organization = "\u{1F600}".repeat(100_000);
        d.total = i64::MAX;
        let pdf = render(&d);
        assert_pdf_envelope(&pdf);
        assert!(pdf.len() < 20_000, "text was not cut: {} bytes", pdf.len());
        let text = pdftotext(&pdf, "long");
        assert!(text.contains("xxx..."), "no cut marker in:\n{text}");
        assert!(text.contains("-USD 92,233,720,368,547,758.08"), "{text}");
        assert!(text.contains("USD 92,233,720,368,547,758.07"), "{text}");
    }

    #[test]
    fn many_lines_continue_on_further_pages() {
        let lines = (1..=500)
            .map(|i| line(&format!("Line item {i}"), "1", i))
            .collect();
        let pdf = render(&doc(lines));
        assert_pdf_envelope(&pdf);
        let pages = page_count(&pdf);
        assert!(pages > 1, "500 lines on {pages} page");
        let text = pdftotext(&pdf, "many");
        assert!(text.contains("Line item 500"), "last line missing");
        assert!(text.contains("Line item 1 "), "first line missing");
        assert!(text.contains("Invoice INV-2026-0042 (continued)"));
        assert!(text.contains(&format!("Page {pages} of {pages}")));
        assert!(text.contains("USD 1,252.50"), "total missing");
    }

    #[test]
    fn ten_thousand_lines_render() {
        let lines = (0..10_000)
            .map(|i| line(&format!("Job {i}"), "1", 1))
            .collect();
        let pdf = render(&doc(lines));
        assert_pdf_envelope(&pdf);
        assert_eq!(page_count(&pdf), paginate(10_000).len());
    }

    #[test]
    fn lines_past_the_limit_are_summarised() {
        let lines = (1..=5)
            .map(|i| line(&format!("Item {i}"), "1", i))
            .collect();
        let text = pdftotext(&render_limited(&doc(lines), 3), "limit");
        assert!(text.contains("Item 3"));
        assert!(!text.contains("Item 4"));
        assert!(text.contains("... and 2 more lines, not shown"));
    }

    #[test]
    fn pagination_keeps_every_row_and_room_for_the_total() {
        let first = rows_fitting(FIRST_PAGE_TOP);
        let next = rows_fitting(NEXT_PAGE_TOP);
        for rows in [0, 1, first - 2, first - 1, first, first + next, 10_000] {
            let pages = paginate(rows);
            assert_eq!(pages.first().map(|r| r.start), Some(0));
            assert_eq!(pages.last().map(|r| r.end), Some(rows));
            for pair in pages.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
            }
            let last = pages.len() - 1;
            let capacity = if last == 0 { first } else { next };
            assert!(capacity - pages[last].len() >= TOTAL_ROWS);
        }
        assert_eq!(paginate(first - 1).len(), 2);
        assert_eq!(paginate(first - 2).len(), 1);
    }

    #[test]
    fn fit_cuts_by_width() {
        assert_eq!(fit("abc", Font::Regular, 10.0, 100.0), b"abc");
        // "MMMMMMMMMM" is 8330 units; a 50pt budget at 10pt is 5000 units.
        let cut = fit("MMMMMMMMMM", Font::Regular, 10.0, 50.0);
        assert!(cut.ends_with(b"..."));
        assert!(Font::Regular.units(&cut) <= 5000);
        assert_eq!(fit("abc", Font::Regular, 10.0, 0.0), b"");
        assert_eq!(fit("abc", Font::Regular, 10.0, 1.0), b"");
    }

    #[test]
    fn win_ansi_maps_or_replaces() {
        assert_eq!(win_ansi('A'), b'A');
        assert_eq!(win_ansi('\u{e9}'), 0xE9);
        assert_eq!(win_ansi('\u{20AC}'), 0x80);
        assert_eq!(win_ansi('\n'), b'?');
        assert_eq!(win_ansi('\u{7F}'), b'?');
        assert_eq!(win_ansi('\u{85}'), b'?');
        assert_eq!(win_ansi('\u{4e2d}'), b'?');
    }

    #[test]
    fn format_minor_cases() {
        assert_eq!(format_minor(123_456, "USD"), "USD 1,234.56");
        assert_eq!(format_minor(0, "EUR"), "EUR 0.00");
        assert_eq!(format_minor(5, "GBP"), "GBP 0.05");
        assert_eq!(format_minor(100, "CHF"), "CHF 1.00");
        assert_eq!(format_minor(-100, "USD"), "-USD 1.00");
        assert_eq!(format_minor(-5, "USD"), "-USD 0.05");
        assert_eq!(format_minor(99_999, "USD"), "USD 999.99");
        assert_eq!(format_minor(100_000, "USD"), "USD 1,000.00");
        assert_eq!(format_minor(100_000_000, "USD"), "USD 1,000,000.00");
        assert_eq!(format_minor(12_345, ""), "123.45");
        assert_eq!(
            format_minor(i64::MAX, "USD"),
            "USD 92,233,720,368,547,758.07"
        );
        assert_eq!(
            format_minor(i64::MIN, "USD"),
            "-USD 92,233,720,368,547,758.08"
        );
    }
}
