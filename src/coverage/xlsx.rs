//! The coverage report as an Excel workbook: a summary sheet and one sheet per view (clauses,
//! the other guidelines' clauses, items). Status cells hold the Japanese label and are coloured by
//! conditional formatting (so a status typed over by hand recolours itself); every sheet prints on
//! A4, one page wide, with its header row repeated.

use super::{ClauseStatus, CoverageData, ItemStatus, Report};
use super::formats::counts;
use rust_xlsxwriter::{
    Color, ConditionalFormatCell, ConditionalFormatCellRule, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

pub const SHEETS: [&str; 4] = ["概要", "条項別", "対応先別", "項目別"];

/// (font, fill) of each status, the usual Excel "good / neutral / bad" colours.
fn clause_colours(s: ClauseStatus) -> (u32, u32) {
    match s {
        ClauseStatus::Covered => (0x006100, 0xC6EFCE),
        ClauseStatus::Partial => (0x9C5700, 0xFFEB9C),
        ClauseStatus::Gap => (0x9C0006, 0xFFC7CE),
        ClauseStatus::NotAddressed => (0x404040, 0xE7E6E6),
    }
}

fn item_colours(s: ItemStatus) -> (u32, u32) {
    match s {
        ItemStatus::Answered => clause_colours(ClauseStatus::Covered),
        ItemStatus::No => clause_colours(ClauseStatus::Partial),
        ItemStatus::Missing => clause_colours(ClauseStatus::Gap),
    }
}

struct Formats {
    title: Format,
    header: Format,
    cell: Format,
    id: Format,
    number: Format,
}

fn formats() -> Formats {
    let base = Format::new().set_font_name("Yu Gothic").set_font_size(10).set_text_wrap().set_align(FormatAlign::Top).set_border(FormatBorder::Thin).set_border_color(Color::RGB(0xA6A6A6));
    Formats {
        title: Format::new().set_font_name("Yu Gothic").set_bold().set_font_size(14),
        header: base.clone().set_bold().set_font_color(Color::White).set_background_color(Color::RGB(0x1F4E79)).set_align(FormatAlign::VerticalCenter),
        cell: base.clone(),
        id: base.clone().set_font_name("Consolas").set_font_size(9),
        number: base.clone().set_align(FormatAlign::Right),
    }
}

fn conditional(ws: &mut Worksheet, rows: (u32, u32), col: u16, rules: &[(&str, (u32, u32))]) -> Result<(), XlsxError> {
    if rows.1 < rows.0 {
        return Ok(());
    }
    for (label, (font, fill)) in rules {
        let f = Format::new().set_font_color(Color::RGB(*font)).set_background_color(Color::RGB(*fill)).set_bold();
        let cf = ConditionalFormatCell::new().set_rule(ConditionalFormatCellRule::EqualTo(*label)).set_format(f);
        ws.add_conditional_format(rows.0, col, rows.1, col, &cf)?;
    }
    Ok(())
}

fn clause_rules() -> Vec<(&'static str, (u32, u32))> {
    ClauseStatus::ALL.iter().map(|s| (s.label(), clause_colours(*s))).collect()
}

/// A4, one page wide, the header row (row `header`) repeated and frozen, page numbers.
fn page_setup(ws: &mut Worksheet, header: u32, landscape: bool) -> Result<(), XlsxError> {
    ws.set_paper_size(9);
    if landscape {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&C&P / &N");
    ws.set_repeat_rows(header, header)?;
    ws.set_freeze_panes(header + 1, 0)?;
    Ok(())
}

fn table(ws: &mut Worksheet, f: &Formats, title: &str, columns: &[(&str, f64)]) -> Result<(), XlsxError> {
    ws.write_string_with_format(0, 0, title, &f.title)?;
    ws.set_row_height(0, 24)?;
    for (i, (h, w)) in columns.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
        ws.write_string_with_format(1, i as u16, *h, &f.header)?;
    }
    Ok(())
}

fn summary(ws: &mut Worksheet, f: &Formats, data: &CoverageData, report: &Report, source_name: &str) -> Result<(), XlsxError> {
    ws.set_name(SHEETS[0])?;
    table(ws, f, &format!("{}の対応状況", data.title), &[("区分", 22.0), ("件数", 12.0), ("対応先の条項", 14.0), ("説明", 60.0)])?;
    let counts_row = |ws: &mut Worksheet, r: u32, label: &str, n: usize, m: Option<usize>, note: &str| -> Result<(), XlsxError> {
        ws.write_string_with_format(r, 0, label, &f.cell)?;
        ws.write_number_with_format(r, 1, n as f64, &f.number)?;
        match m {
            Some(m) => ws.write_number_with_format(r, 2, m as f64, &f.number)?,
            None => ws.write_blank(r, 2, &f.cell)?,
        };
        ws.write_string_with_format(r, 3, note, &f.cell)?;
        Ok(())
    };
    let t = &report.totals;
    counts_row(ws, 2, "記入項目", t.items, None, &format!("テンプレート {}（版 {}）・回答ファイル {source_name}", report.template, report.version))?;
    let notes = ["必要な欄がすべて記入されている", "最初の選択欄が「無」「否」など", "必要な欄に未記入がある"];
    for (i, s) in ItemStatus::ALL.iter().enumerate() {
        let n = [t.answered, t.no, t.missing][i];
        counts_row(ws, 3 + i as u32, s.label(), n, None, notes[i])?;
    }
    let notes = [
        "対応する記入項目のすべてに回答",
        "一部の項目に回答",
        "項目はあるが回答なし（無・否と回答した項目は回答に数えない）",
        "この様式に対応する記入項目がない",
    ];
    for (i, s) in ClauseStatus::ALL.iter().enumerate() {
        let n = report.clauses.iter().filter(|c| c.status == *s).count();
        let m = report.by_target.iter().filter(|c| c.status == *s).count();
        counts_row(ws, 6 + i as u32, s.label(), n, Some(m), notes[i])?;
    }
    conditional(ws, (3, 5), 0, &ItemStatus::ALL.iter().map(|s| (s.label(), item_colours(*s))).collect::<Vec<_>>())?;
    conditional(ws, (6, 9), 0, &clause_rules())?;
    ws.write_string(11, 0, format!("件数の列: 上 4 行は記入項目の数、下 4 行は{}の条項の数。対応先の条項の状況は、そこへ対応づけられた条項のうち最も低い状況です。", data.labels.primary))?;
    page_setup(ws, 1, false)
}

fn clauses(ws: &mut Worksheet, f: &Formats, data: &CoverageData, report: &Report) -> Result<(), XlsxError> {
    ws.set_name(SHEETS[1])?;
    table(ws, f, &format!("{}の条項ごとの状況", data.labels.primary), &[("条項ID", 12.0), ("条項", 36.0), ("対応状況", 12.0), ("回答済み", 8.0), ("無（否）と回答", 8.0), ("未記入", 8.0), ("対応づけられた条項", 48.0)])?;
    let mut r = 2;
    for (c, d) in report.clauses.iter().zip(&data.clauses) {
        ws.write_string_with_format(r, 0, &c.id, &f.id)?;
        ws.write_string_with_format(r, 1, &d.label, &f.cell)?;
        ws.write_string_with_format(r, 2, c.status.label(), &f.cell)?;
        for (i, n) in counts(&c.items).iter().enumerate() {
            ws.write_number_with_format(r, 3 + i as u16, *n as f64, &f.number)?;
        }
        let mapped: Vec<String> = d
            .mapped
            .iter()
            .map(|m| {
                let t = data.targets.iter().find(|t| t.id == m.id);
                format!("{} {}（{}）", t.map_or("", |t| t.corpus.as_str()), t.map_or(m.id.as_str(), |t| t.label.as_str()), m.relationship.label())
            })
            .collect();
        ws.write_string_with_format(r, 6, mapped.join("\n"), &f.cell)?;
        r += 1;
    }
    conditional(ws, (2, r - 1), 2, &clause_rules())?;
    ws.autofilter(1, 0, r.max(3) - 1, 6)?;
    page_setup(ws, 1, true)
}

fn targets(ws: &mut Worksheet, f: &Formats, data: &CoverageData, report: &Report) -> Result<(), XlsxError> {
    ws.set_name(SHEETS[2])?;
    table(ws, f, "対応づけられた他の指針の条項ごとの状況", &[("指針", 22.0), ("条項ID", 13.0), ("条項", 36.0), ("対応状況", 12.0), (&format!("対応元（{}）", data.labels.primary), 44.0)])?;
    let mut r = 2;
    for b in &report.by_target {
        let t = data.targets.iter().find(|t| t.id == b.id);
        ws.write_string_with_format(r, 0, t.map_or("", |t| t.corpus.as_str()), &f.cell)?;
        ws.write_string_with_format(r, 1, &b.id, &f.id)?;
        ws.write_string_with_format(r, 2, t.map_or(b.title.as_str(), |t| t.label.as_str()), &f.cell)?;
        ws.write_string_with_format(r, 3, b.status.label(), &f.cell)?;
        let via: Vec<String> = b
            .via
            .iter()
            .map(|v| {
                let label = data.clauses.iter().find(|c| &c.id == v).map_or(v.as_str(), |c| c.label.as_str());
                let status = report.clauses.iter().find(|c| &c.id == v).map_or("", |c| c.status.label());
                format!("{label}（{status}）")
            })
            .collect();
        ws.write_string_with_format(r, 4, via.join("\n"), &f.cell)?;
        r += 1;
    }
    conditional(ws, (2, r - 1), 3, &clause_rules())?;
    page_setup(ws, 1, true)
}

fn items(ws: &mut Worksheet, f: &Formats, data: &CoverageData, report: &Report) -> Result<(), XlsxError> {
    ws.set_name(SHEETS[3])?;
    table(ws, f, "記入項目ごとの状況", &[("項目ID", 14.0), ("項目", 44.0), ("区分", 26.0), ("対応条項", 30.0), ("状況", 14.0)])?;
    let mut r = 2;
    for s in &report.sections {
        for i in &s.items {
            let clause = data.items.iter().find(|d| d.id == i.id).and_then(|d| d.clause.as_deref());
            let clause_label = clause.map(|c| data.clauses.iter().find(|d| d.id == c).map_or(c, |d| d.label.as_str())).unwrap_or("");
            ws.write_string_with_format(r, 0, &i.id, &f.id)?;
            ws.write_string_with_format(r, 1, &i.title, &f.cell)?;
            ws.write_string_with_format(r, 2, &s.title, &f.cell)?;
            ws.write_string_with_format(r, 3, clause_label, &f.cell)?;
            ws.write_string_with_format(r, 4, i.status.label(), &f.cell)?;
            r += 1;
        }
    }
    conditional(ws, (2, r - 1), 4, &ItemStatus::ALL.iter().map(|s| (s.label(), item_colours(*s))).collect::<Vec<_>>())?;
    page_setup(ws, 1, true)
}

/// The workbook as bytes (deterministic: a fixed creation date).
pub fn to_xlsx(data: &CoverageData, report: &Report, source_name: &str) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    wb.set_properties(&DocProperties::new().set_title(format!("{}の対応状況", data.title)).set_subject(format!("template={} version={}", report.template, report.version)).set_creation_datetime(&ExcelDateTime::from_ymd(2018, 7, 31)?));
    summary(wb.add_worksheet(), &f, data, report, source_name)?;
    clauses(wb.add_worksheet(), &f, data, report)?;
    targets(wb.add_worksheet(), &f, data, report)?;
    items(wb.add_worksheet(), &f, data, report)?;
    wb.save_to_buffer()
}
