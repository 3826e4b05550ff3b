//! The Excel workbook of a template: one sheet per top-level section, one line per input cell
//! (so every answer has a fixed place and the sheet reads back as `item_id,column,value`),
//! merged group headers (sections, headings, and column groups above their columns' lines),
//! yellow unlocked input cells with 有/無 drop-downs, A4 landscape fitted to
//! the page width with the header row repeated and frozen.

use super::model::{Column, ColumnType, Item, Template};
use crate::content::Confidence;
use rust_xlsxwriter::{
    Color, DataValidation, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, ProtectionOptions, Workbook, Worksheet, XlsxError,
};

/// Columns of every sheet: (header, width in characters).
const COLUMNS: [(&str, f64); 7] =
    [("項目ID", 13.0), ("項目", 30.0), ("記入欄", 26.0), ("回答（黄色の欄に記入）", 42.0), ("記入例", 30.0), ("必須", 6.0), ("参照", 13.0)];
const LAST_COL: u16 = COLUMNS.len() as u16 - 1;
const ANSWER_COL: u16 = 3;
/// Row index of the column header row (0-based); rows above it hold the title.
pub const HEADER_ROW: u32 = 2;
/// Fill colour of the cells a vendor writes in.
pub const INPUT_FILL: u32 = 0xFFF2CC;
const GROUP_FILL: u32 = 0xDDE5F0;
const HEADER_FILL: u32 = 0x1F4E79;

struct Formats {
    title: Format,
    note: Format,
    header: Format,
    group: [Format; 3],
    /// A column group's header line inside an answer row.
    subgroup: Format,
    cell: Format,
    id: Format,
    input: Format,
    example: Format,
    center: Format,
}

fn formats() -> Formats {
    let base = Format::new().set_font_name("Yu Gothic").set_font_size(10).set_text_wrap().set_align(FormatAlign::Top).set_border(FormatBorder::Thin).set_border_color(Color::RGB(0xA6A6A6));
    let group = |size: f64| base.clone().set_bold().set_font_size(size).set_background_color(Color::RGB(GROUP_FILL)).set_align(FormatAlign::VerticalCenter);
    Formats {
        title: Format::new().set_font_name("Yu Gothic").set_bold().set_font_size(14),
        note: Format::new().set_font_name("Yu Gothic").set_font_size(9).set_text_wrap().set_align(FormatAlign::Top),
        header: base.clone().set_bold().set_font_color(Color::White).set_background_color(Color::RGB(HEADER_FILL)).set_align(FormatAlign::VerticalCenter),
        group: [group(12.0), group(11.0), group(10.0)],
        subgroup: base.clone().set_bold().set_background_color(Color::RGB(0xEEF2F8)),
        cell: base.clone(),
        id: base.clone().set_font_name("Consolas").set_font_size(9),
        input: base.clone().set_unlocked().set_background_color(Color::RGB(INPUT_FILL)).set_border(FormatBorder::Medium).set_border_color(Color::RGB(0xBF8F00)),
        example: base.clone().set_italic().set_font_color(Color::RGB(0x595959)),
        center: base.clone().set_align(FormatAlign::Center),
    }
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(item: &Item, used: &mut Vec<String>) -> String {
    let raw: String = item.display_title().chars().map(|c| if "[]:*?/\\".contains(c) { '・' } else { c }).collect();
    let mut name: String = raw.chars().take(31).collect();
    let mut n = 2;
    while used.contains(&name) {
        let suffix = format!("～{n}");
        name = raw.chars().take(31 - suffix.chars().count()).collect::<String>() + &suffix;
        n += 1;
    }
    used.push(name.clone());
    name
}

/// Display width in half-width units (CJK counts two), for row heights.
fn width(s: &str) -> f64 {
    s.chars().map(|c| if (c as u32) < 0x1100 { 1.0 } else { 2.0 }).sum()
}

fn lines(s: &str, col_chars: f64) -> f64 {
    s.split('\n').map(|l| (width(l) / (col_chars * 0.95)).ceil().max(1.0)).sum()
}

fn confidence_suffix(c: Option<Confidence>) -> &'static str {
    match c {
        Some(Confidence::Medium) => "（確度: 中）",
        Some(Confidence::Low) => "（確度: 低）",
        _ => "",
    }
}

/// The 記入欄 text of a line: the column's header (with its group unless a group header line
/// already stands above it) and, for choices, the options.
fn choice_hint(c: &Column, under_group: bool) -> String {
    let header = if under_group { c.header.clone() } else { c.full_header() };
    if c.kind == ColumnType::Choice { format!("{header}\n［{}から選択］", c.options.join("／")) } else { header }
}

/// How many columns from `i` on share column `i`'s group (0 without a group).
fn group_len(columns: &[Column], i: usize) -> usize {
    match &columns[i].group {
        Some(g) => columns[i..].iter().take_while(|c| c.group.as_ref() == Some(g)).count(),
        None => 0,
    }
}

struct Sheet<'a> {
    ws: &'a mut Worksheet,
    f: &'a Formats,
    row: u32,
    /// MIC clause id → its label ("3.2.1 組織的安全管理対策").
    clause_label: &'a dyn Fn(&str) -> String,
}

impl Sheet<'_> {
    fn group_row(&mut self, item: &Item, parent: Option<&Item>) -> Result<(), XlsxError> {
        let mut text = format!("{}{}", item.display_title(), confidence_suffix(item.confidence));
        if item.reference.is_some() && item.reference != parent.and_then(|p| p.reference.clone()) {
            text.push_str(&format!("（参照 {}）", item.reference.as_deref().unwrap_or("")));
        }
        // The MIC clause the section answers, as the page, Markdown, JSON and CSV say it.
        if let Some(c) = item.clause.as_deref().filter(|c| Some(*c) != parent.and_then(|p| p.clause.as_deref())) {
            text.push_str(&format!("（対応条項 {}）", (self.clause_label)(c)));
        }
        if let Some(n) = &item.note {
            text.push('\n');
            text.push_str(n.trim());
        }
        let f = &self.f.group[item.depth.min(2)];
        self.ws.merge_range(self.row, 0, self.row, LAST_COL, &text, f)?;
        let total: f64 = COLUMNS.iter().map(|c| c.1).sum();
        self.ws.set_row_height(self.row, (lines(&text, total) * 16.0).max(20.0))?;
        self.row += 1;
        Ok(())
    }

    /// The lines of one answerable row: one line per column, id and title merged down.
    fn answer_row(&mut self, row_item: &Item, columns: &[Column]) -> Result<(), XlsxError> {
        let first = self.row;
        let title = format!("{}{}", row_item.display_title(), confidence_suffix(row_item.confidence));
        let mut height_total = 0.0;
        let mut group_left = 0; // lines still under the current group header line
        for (i, c) in columns.iter().enumerate() {
            // A group of two or more columns (有無 + 役職または氏名 under 有無（在る場合には…）)
            // gets a header line merged across 記入欄…参照 above its lines, as a table's
            // colspan header stands above its sub-columns.
            if group_left == 0 && group_len(columns, i) >= 2 {
                group_left = group_len(columns, i);
                let g = c.group.as_deref().unwrap_or_default();
                self.ws.merge_range(self.row, 2, self.row, LAST_COL, g, &self.f.subgroup)?;
                let h = lines(g, COLUMNS[2..].iter().map(|c| c.1).sum()).max(1.2);
                height_total += h;
                self.ws.set_row_height(self.row, h * 15.0)?;
                self.row += 1;
            }
            let under_group = group_left > 0;
            group_left = group_left.saturating_sub(1);
            let r = self.row;
            let header = choice_hint(c, under_group);
            self.ws.write_string_with_format(r, 2, &header, &self.f.cell)?;
            self.ws.write_blank(r, ANSWER_COL, &self.f.input)?;
            if c.kind == ColumnType::Choice {
                let dv = DataValidation::new()
                    .allow_list_strings(&c.options)?
                    .set_input_title("選択してください")?
                    .set_input_message(c.options.join(" / "))?
                    .set_error_title("選択肢にない値です")?
                    .set_error_message(format!("{} から選んでください。", c.options.join(" / ")))?;
                self.ws.add_data_validation(r, ANSWER_COL, r, ANSWER_COL, &dv)?;
            }
            let example = row_item.example.get(&c.key).map(|e| format!("（例）{}", e.trim())).unwrap_or_default();
            self.ws.write_string_with_format(r, 4, &example, &self.f.example)?;
            let required = row_item.required && c.required;
            self.ws.write_string_with_format(r, 5, if required { "必須" } else { "任意" }, &self.f.center)?;
            self.ws.write_string_with_format(r, 6, row_item.reference.as_deref().unwrap_or(""), &self.f.cell)?;
            let h = lines(&example, COLUMNS[4].1).max(lines(&header, COLUMNS[2].1)).max(if c.kind == ColumnType::Text { 3.0 } else { 1.5 });
            height_total += h;
            self.ws.set_row_height(r, h * 15.0)?;
            self.row += 1;
        }
        let last = self.row - 1;
        // The title may need more height than the lines give it; grow the last line.
        let need = lines(&title, COLUMNS[1].1);
        if need > height_total {
            self.ws.set_row_height(last, (need - height_total + 1.0) * 15.0)?;
        }
        if last > first {
            self.ws.merge_range(first, 0, last, 0, &row_item.id, &self.f.id)?;
            self.ws.merge_range(first, 1, last, 1, &title, &self.f.cell)?;
        } else {
            self.ws.write_string_with_format(first, 0, &row_item.id, &self.f.id)?;
            self.ws.write_string_with_format(first, 1, &title, &self.f.cell)?;
        }
        Ok(())
    }

    fn item(&mut self, item: &Item, parent: Option<&Item>) -> Result<(), XlsxError> {
        if item.is_table() && item.children.is_empty() {
            // A sheet always opens with its section's header row.
            if item.note.is_some() || item.depth == 0 {
                self.group_row(item, parent)?;
            }
            return self.answer_row(item, &item.columns);
        }
        self.group_row(item, parent)?;
        if item.is_table() {
            for child in &item.children {
                self.answer_row(child, &item.columns)?;
            }
        } else {
            for child in &item.children {
                self.item(child, Some(item))?;
            }
        }
        Ok(())
    }
}

/// The workbook as bytes. Deterministic: the creation date is fixed so builds are reproducible.
pub fn workbook(t: &Template, clause_label: &dyn Fn(&str) -> String) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    let props = DocProperties::new()
        .set_title(format!("{}（記入用）", t.title))
        .set_subject(format!("template={} version={}", t.name, t.version))
        .set_creation_datetime(&ExcelDateTime::from_ymd(2018, 7, 31)?);
    wb.set_properties(&props);
    let mut used = Vec::new();
    for section in &t.items {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(section, &mut used))?;
        for (i, (_, w)) in COLUMNS.iter().enumerate() {
            ws.set_column_width(i as u16, *w)?;
        }
        ws.merge_range(0, 0, 0, LAST_COL, &format!("{}（記入用） — {}", t.title, section.display_title()), &f.title)?;
        ws.set_row_height(0, 24)?;
        let note = format!(
            "テンプレート: {} ／ 版: {} ／ 黄色の欄が記入欄です（ほかの欄は保護されています。保護はパスワードなしで解除できます）。{}",
            t.name,
            t.version,
            t.example_note.as_deref().map(str::trim).unwrap_or("（例）と付いた記載は記入の例です。")
        );
        ws.merge_range(1, 0, 1, LAST_COL, &note, &f.note)?;
        ws.set_row_height(1, 30)?;
        for (i, (h, _)) in COLUMNS.iter().enumerate() {
            ws.write_string_with_format(HEADER_ROW, i as u16, *h, &f.header)?;
        }
        ws.set_row_height(HEADER_ROW, 22)?;
        ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
        ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
        ws.set_paper_size(9); // A4
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0); // fit to width, as many pages tall as needed
        ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
        ws.set_footer("&C&P / &N");
        let mut opts = ProtectionOptions::new();
        opts.format_columns = true;
        opts.format_rows = true;
        ws.protect_with_options(&opts);
        let mut sheet = Sheet { ws, f: &f, row: HEADER_ROW + 1, clause_label };
        sheet.item(section, None)?;
    }
    wb.save_to_buffer()
}
