//! Excel workbooks for the finance office: the transactions, the shift reports and a period's
//! statistics, one sheet per report part. Cells are typed (times as Excel dates, rupiah as
//! numbers with a rupiah format, counts as numbers), every sheet has a bold frozen header and
//! an autofilter. Times are the site's local time; money is whole rupiah.

use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::export::{COLUMNS, ExportError};
use super::stats::{PeriodFigures, Takings};
use crate::domain::Rupiah;
use crate::lane::shift::{ShiftReport, Tally};
use crate::store::{Origin, PageRequest, PaymentMethod, Store, VisitFilter};

/// The most data rows one Excel sheet holds (its row limit less the header).
pub const MAX_ROWS: u64 = 1_048_575;

/// The rupiah number format: `Rp 12.500` in an Indonesian Excel, `Rp 12,500` in an English one.
const RUPIAH_FORMAT: &str = "\"Rp\" #,##0";
/// How times read in the workbook.
const TIME_FORMAT: &str = "yyyy-mm-dd hh:mm:ss";
/// How days read in the workbook.
const DAY_FORMAT: &str = "yyyy-mm-dd";

/// One typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// A count or a number of minutes.
    Number(i64),
    /// Money, with the rupiah format.
    Money(Rupiah),
    /// A local time, as an Excel date-time.
    Time(NaiveDateTime),
    /// A local day, as an Excel date.
    Day(NaiveDate),
    /// Yes or no.
    Bool(bool),
}

impl Cell {
    /// Text, or an empty cell for `None`.
    fn text(value: Option<impl Into<String>>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Text(v.into()))
    }
}

fn write_error(err: XlsxError) -> ExportError {
    ExportError::Write(err.to_string())
}

/// Shared cell formats of one workbook.
struct Formats {
    header: Format,
    money: Format,
    time: Format,
    day: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold(),
            money: Format::new().set_num_format(RUPIAH_FORMAT),
            time: Format::new().set_num_format(TIME_FORMAT),
            day: Format::new().set_num_format(DAY_FORMAT),
        }
    }
}

/// A sheet being written: a header, then rows; [`Table::finish`] freezes the header, sets the
/// autofilter over the rows written and sizes the columns.
struct Table<'a> {
    sheet: &'a mut Worksheet,
    formats: &'a Formats,
    columns: u16,
    rows: u32,
}

impl<'a> Table<'a> {
    fn new(
        workbook: &'a mut Workbook,
        formats: &'a Formats,
        name: &str,
        headers: &[&str],
    ) -> Result<Table<'a>, ExportError> {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).map_err(write_error)?;
        for (col, header) in (0u16..).zip(headers) {
            sheet.write_string_with_format(0, col, *header, &formats.header).map_err(write_error)?;
        }
        let columns =
            u16::try_from(headers.len()).map_err(|_| ExportError::Write("too many columns".into()))?;
        Ok(Table { sheet, formats, columns, rows: 0 })
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), ExportError> {
        if u64::from(self.rows) >= MAX_ROWS {
            return Err(ExportError::Write(format!(
                "more than {MAX_ROWS} rows do not fit one Excel sheet: export a shorter period"
            )));
        }
        self.rows += 1;
        let (row, f) = (self.rows, self.formats);
        for (col, cell) in (0u16..).zip(cells) {
            let sheet = &mut *self.sheet;
            match cell {
                Cell::Empty => continue,
                Cell::Text(text) => sheet.write_string(row, col, text.as_str()),
                Cell::Number(n) => sheet.write_number(row, col, *n as f64),
                Cell::Money(r) => sheet.write_number_with_format(row, col, r.amount() as f64, &f.money),
                Cell::Time(t) => sheet.write_datetime_with_format(row, col, t, &f.time),
                Cell::Day(d) => sheet.write_date_with_format(row, col, d, &f.day),
                Cell::Bool(b) => sheet.write_boolean(row, col, *b),
            }
            .map_err(write_error)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<(), ExportError> {
        self.sheet.set_freeze_panes(1, 0).map_err(write_error)?;
        if self.columns > 0 {
            self.sheet.autofilter(0, 0, self.rows, self.columns - 1).map_err(write_error)?;
        }
        self.sheet.set_autofit_max_width(320).autofit();
        Ok(())
    }
}

fn local(t: DateTime<Utc>, tz: Tz) -> Cell {
    Cell::Time(t.with_timezone(&tz).naive_local())
}

/// Saves the workbook, owner-readable only (plates, operators, money).
fn save(workbook: &mut Workbook, path: &Path) -> Result<(), ExportError> {
    let file = crate::secret::private_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|err| ExportError::Write(err.to_string()))?;
    let mut out = std::io::BufWriter::new(file);
    workbook.save_to_writer(&mut out).map_err(write_error)?;
    std::io::Write::flush(&mut out).map_err(|err| ExportError::Write(err.to_string()))
}

/// Writes every visit matching `filter` (newest first) to the workbook `path`, one sheet
/// "Transactions" with the CSV's columns; returns the row count.
pub fn write_visits_xlsx(
    store: &dyn Store,
    filter: &VisitFilter,
    tz: Tz,
    path: &Path,
) -> Result<u64, ExportError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let mut table = Table::new(&mut workbook, &formats, "Transactions", &COLUMNS)?;
    let mut offset = 0;
    let mut written = 0;
    loop {
        let page = store.list_visits(filter, PageRequest { offset, limit: 5_000 })?;
        if page.rows.is_empty() {
            break;
        }
        offset += page.rows.len() as u64;
        for visit in &page.rows {
            let (entry, exit) = (&visit.entry, visit.exit.as_ref());
            let offline =
                entry.origin == Origin::Journal || exit.is_some_and(|x| x.origin == Origin::Journal);
            let money = |r: Option<Rupiah>| r.map_or(Cell::Empty, Cell::Money);
            table.row(&[
                Cell::Text(entry.ticket_no.clone()),
                Cell::text(entry.plate.clone()),
                Cell::Text(entry.class.to_string()),
                Cell::Text(entry.booth.clone()),
                local(entry.entry_time, tz),
                Cell::text(entry.operator.clone()),
                Cell::text(exit.map(|x| x.booth.clone())),
                exit.map_or(Cell::Empty, |x| local(x.exit_time, tz)),
                Cell::text(exit.and_then(|x| x.operator.clone())),
                exit.map_or(Cell::Empty, |x| Cell::Number((x.exit_time - entry.entry_time).num_minutes())),
                money(exit.map(|x| x.total)),
                Cell::text(exit.map(|x| x.method.as_str())),
                money(exit.and_then(|x| x.tendered)),
                money(exit.and_then(|x| x.change)),
                Cell::text(exit.and_then(|x| x.reference.clone())),
                Cell::Bool(exit.is_some_and(|x| x.lost_ticket)),
                Cell::Bool(offline),
                Cell::Bool(entry.simulated || exit.is_some_and(|x| x.simulated)),
                Cell::Text(entry.id.to_string()),
                Cell::text(exit.map(|x| x.id.to_string())),
            ])?;
            written += 1;
        }
        if offset >= page.total {
            break;
        }
    }
    table.finish()?;
    save(&mut workbook, path)?;
    Ok(written)
}

/// Writes shift reports to the workbook `path`: "Shifts" (one row a shift: drawer and counts),
/// "Methods" and "Classes" (takings of each shift by payment method and vehicle class) and
/// "Late records" (what reached a shift after its close).
pub fn write_shifts_xlsx(reports: &[ShiftReport], tz: Tz, path: &Path) -> Result<(), ExportError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let mut shifts = Table::new(
        &mut workbook,
        &formats,
        "Shifts",
        &[
            "shift_id",
            "booth",
            "cashier",
            "opened",
            "closed",
            "opening_float",
            "payments",
            "takings",
            "expected_cash",
            "counted_cash",
            "difference",
            "revised_expected_cash",
            "lost_tickets",
            "manual_opens",
            "voids",
            "duplicates",
            "simulated",
        ],
    )?;
    for r in reports {
        let money = |v: Option<Rupiah>| v.map_or(Cell::Empty, Cell::Money);
        shifts.row(&[
            Cell::Text(r.shift.id.to_string()),
            Cell::Text(r.shift.booth.clone()),
            Cell::Text(r.shift.username.clone()),
            local(r.shift.opened_at, tz),
            r.shift.closed_at.map_or(Cell::Empty, |t| local(t, tz)),
            Cell::Money(r.shift.opening_float),
            count(r.all.exits),
            Cell::Money(r.all.total),
            Cell::Money(r.expected_cash),
            money(r.counted_cash),
            money(r.difference),
            money(r.revised_expected_cash),
            count(r.lost_tickets),
            count(r.manual_opens),
            count(r.voids),
            count(r.duplicates.exits),
            Cell::Bool(r.shift.simulated),
        ])?;
    }
    shifts.finish()?;
    for (name, part) in [("Methods", Part::Method), ("Classes", Part::Class)] {
        let key = if part == Part::Method { "method" } else { "class" };
        let mut table = Table::new(
            &mut workbook,
            &formats,
            name,
            &["shift_id", "booth", "cashier", key, "payments", "takings"],
        )?;
        for r in reports {
            let groups = if part == Part::Method { &r.by_method } else { &r.by_class };
            for (group, tally) in groups {
                table.row(&shift_group(r, group, tally))?;
            }
        }
        table.finish()?;
    }
    let mut late = Table::new(
        &mut workbook,
        &formats,
        "Late records",
        &["shift_id", "record_id", "kind", "arrived", "method", "total", "expected_before", "expected_after"],
    )?;
    for r in reports {
        for l in &r.late {
            late.row(&[
                Cell::Text(r.shift.id.to_string()),
                Cell::Text(l.record_id.to_string()),
                Cell::Text(l.kind.as_str().into()),
                local(l.arrived_at, tz),
                Cell::Text(l.method.as_str().into()),
                Cell::Money(l.total),
                Cell::Money(l.expected_before),
                Cell::Money(l.expected_after),
            ])?;
        }
    }
    late.finish()?;
    save(&mut workbook, path)
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Method,
    Class,
}

fn count(n: u64) -> Cell {
    Cell::Number(i64::try_from(n).unwrap_or(i64::MAX))
}

fn shift_group(r: &ShiftReport, group: &str, tally: &Tally) -> [Cell; 6] {
    [
        Cell::Text(r.shift.id.to_string()),
        Cell::Text(r.shift.booth.clone()),
        Cell::Text(r.shift.username.clone()),
        Cell::Text(group.to_string()),
        count(tally.exits),
        Cell::Money(tally.total),
    ]
}

fn takings(t: &Takings) -> [Cell; 2] {
    [count(t.exits), Cell::Money(t.revenue)]
}

/// Writes a period's statistics (a month, usually) to the workbook `path`: "Summary", "Days"
/// (entries, exits and money each day, by class and by method), "Classes", "Methods",
/// "Cashiers" and "Shifts".
pub fn write_period_xlsx(figures: &PeriodFigures, tz: Tz, path: &Path) -> Result<(), ExportError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let mut summary = Table::new(&mut workbook, &formats, "Summary", &["measure", "value"])?;
    let [exits, revenue] = takings(&figures.takings);
    let rows = [
        ("first_day", Cell::Day(figures.first)),
        ("last_day", Cell::Day(figures.last)),
        ("entries", count(figures.entries)),
        ("exits", exits),
        ("revenue", revenue),
        ("average_stay_min", figures.average_stay_min.map_or(Cell::Empty, Cell::Number)),
        ("lost_tickets", count(figures.lost_tickets)),
    ];
    for (measure, value) in rows {
        summary.row(&[Cell::Text(measure.into()), value])?;
    }
    summary.finish()?;

    let mut headers = vec!["day".to_string(), "entries".into(), "exits".into(), "revenue".into()];
    headers.extend(figures.classes.iter().map(|c| format!("class_{c}")));
    headers.extend(PaymentMethod::ALL.iter().map(|m| format!("method_{}", m.as_str())));
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut days = Table::new(&mut workbook, &formats, "Days", &headers)?;
    for day in &figures.days {
        let mut cells = vec![Cell::Day(day.day), count(day.entries)];
        cells.extend(takings(&day.takings));
        cells.extend(day.by_class.iter().copied().map(Cell::Money));
        cells.extend(day.by_method.iter().copied().map(Cell::Money));
        days.row(&cells)?;
    }
    days.finish()?;

    let mut classes = Table::new(&mut workbook, &formats, "Classes", &["class", "exits", "revenue"])?;
    for (class, t) in figures.classes.iter().zip(&figures.by_class) {
        let [exits, revenue] = takings(t);
        classes.row(&[Cell::Text(class.to_string()), exits, revenue])?;
    }
    classes.finish()?;

    let mut methods = Table::new(&mut workbook, &formats, "Methods", &["method", "exits", "revenue"])?;
    for (method, t) in PaymentMethod::ALL.iter().zip(&figures.by_method) {
        let [exits, revenue] = takings(t);
        methods.row(&[Cell::Text(method.as_str().into()), exits, revenue])?;
    }
    methods.finish()?;

    let mut cashiers = Table::new(&mut workbook, &formats, "Cashiers", &["cashier", "exits", "revenue"])?;
    for (name, t) in &figures.by_operator {
        let [exits, revenue] = takings(t);
        cashiers.row(&[Cell::Text(name.clone()), exits, revenue])?;
    }
    cashiers.finish()?;

    let mut shifts = Table::new(
        &mut workbook,
        &formats,
        "Shifts",
        &["shift_id", "booth", "cashier", "opened", "exits", "revenue"],
    )?;
    for s in &figures.by_shift {
        let [exits, revenue] = takings(&s.takings);
        shifts.row(&[
            Cell::Text(s.shift_id.to_string()),
            Cell::text(s.booth.clone()),
            Cell::text(s.operator.clone()),
            s.opened_at.map_or(Cell::Empty, |t| local(t, tz)),
            exits,
            revenue,
        ])?;
    }
    shifts.finish()?;
    save(&mut workbook, path)
}
