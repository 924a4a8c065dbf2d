//! The payment panel of ParkingOut: cash with quick amounts and the change in large type, or a
//! non-cash method with its reference. It only builds the payment; the lane records it.

use egui::{Key, RichText, Vec2};

use super::i18n::I18n;
use super::theme;
use super::widgets::KeyButton;
use crate::domain::Rupiah;
use crate::lane::exit::Payment;
use crate::store::PaymentMethod;

/// Quick cash amounts and their keys.
pub const QUICK_AMOUNTS: [(i64, Key); 5] =
    [(5_000, Key::F1), (10_000, Key::F2), (20_000, Key::F3), (50_000, Key::F4), (100_000, Key::F5)];

/// Non-cash methods offered.
const NON_CASH: [PaymentMethod; 3] = [PaymentMethod::Qris, PaymentMethod::Card, PaymentMethod::Emoney];

/// The cashier's payment inputs for the fee on screen.
#[derive(Debug, Clone)]
pub struct PaymentState {
    /// Cash handed over, as typed.
    pub tendered: String,
    /// Paying without cash.
    pub non_cash: bool,
    /// The non-cash method.
    pub method: PaymentMethod,
    /// Approval code or reference.
    pub reference: String,
    /// Put the cursor in the tendered field on the next frame.
    pub focus_tendered: bool,
}

impl Default for PaymentState {
    fn default() -> Self {
        Self {
            tendered: String::new(),
            non_cash: false,
            method: PaymentMethod::Qris,
            reference: String::new(),
            focus_tendered: true,
        }
    }
}

/// What the panel asks for.
pub enum PaymentAction {
    /// Pay with this.
    Pay(Payment),
    /// The tendered field received a ticket code (a wedge scanner while a fee is shown).
    Scan(String),
}

/// Shows the panel for `total`; returns the payment when the cashier confirms.
pub fn payment_ui(
    ui: &mut egui::Ui,
    state: &mut PaymentState,
    total: Rupiah,
    tr: &I18n,
    enabled: bool,
) -> Option<PaymentAction> {
    let mut action = None;
    if total == Rupiah::ZERO {
        ui.label(RichText::new(tr.t("pay.free")).size(22.0).color(theme::GOOD).strong());
        let go = KeyButton::new(tr.t("pay.open_free"), Some(Key::Enter))
            .primary(true)
            .enabled(enabled)
            .min_size(Vec2::new(ui.available_width(), 60.0))
            .show(ui);
        if go {
            action = Some(PaymentAction::Pay(Payment::Cash { tendered: Rupiah::ZERO }));
        }
        return action;
    }
    ui.horizontal(|ui| {
        if ui.selectable_label(!state.non_cash, RichText::new(tr.t("pay.cash")).strong()).clicked() {
            state.non_cash = false;
            state.focus_tendered = true;
        }
        if ui.selectable_label(state.non_cash, RichText::new(tr.t("pay.non_cash")).strong()).clicked() {
            state.non_cash = true;
        }
        ui.label(RichText::new(format!("({})", tr.t("pay.toggle_key"))).color(theme::MUTED).size(14.0));
    });
    if enabled && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, Key::F10)) {
        state.non_cash = !state.non_cash;
        state.focus_tendered = !state.non_cash;
    }
    ui.add_space(6.0);
    if state.non_cash {
        ui.horizontal(|ui| {
            for method in NON_CASH {
                let key = format!("pay.method.{}", method.as_str());
                let label = tr.t(&key);
                if ui.radio(state.method == method, label).clicked() {
                    state.method = method;
                }
            }
        });
        let label = ui.label(tr.t("pay.reference"));
        let field = ui.add(
            egui::TextEdit::singleline(&mut state.reference)
                .desired_width(f32::INFINITY)
                .id_salt("pay-reference"),
        );
        let field = field.labelled_by(label.id);
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        ui.add_space(8.0);
        let pay = KeyButton::new(tr.t("pay.confirm"), Some(Key::Enter))
            .primary(true)
            .enabled(enabled)
            .min_size(Vec2::new(ui.available_width(), 60.0))
            .show(ui);
        if pay || (enter && enabled) {
            let reference = Some(state.reference.trim().to_string()).filter(|r| !r.is_empty());
            action = Some(PaymentAction::Pay(Payment::NonCash { method: state.method, reference }));
        }
        return action;
    }
    ui.horizontal(|ui| {
        let label = ui.label(RichText::new(tr.t("pay.tendered")).strong());
        let field = ui.add(
            egui::TextEdit::singleline(&mut state.tendered)
                .font(egui::FontId::proportional(30.0))
                .desired_width(220.0)
                .hint_text("0")
                .id_salt("pay-tendered"),
        );
        let field = field.labelled_by(label.id);
        if std::mem::take(&mut state.focus_tendered) {
            field.request_focus();
        }
        if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) && enabled {
            let text = state.tendered.trim().to_string();
            if text.starts_with('G') && text.contains('.') {
                state.tendered.clear();
                action = Some(PaymentAction::Scan(text));
            }
        }
    });
    ui.horizontal_wrapped(|ui| {
        for (amount, key) in QUICK_AMOUNTS {
            let label = Rupiah(amount).digits();
            if KeyButton::new(&label, Some(key)).enabled(enabled).min_size(Vec2::new(96.0, 48.0)).show(ui) {
                state.tendered = label;
            }
        }
        if KeyButton::new(tr.t("pay.exact"), Some(Key::F7))
            .enabled(enabled)
            .min_size(Vec2::new(96.0, 48.0))
            .show(ui)
        {
            state.tendered = total.digits();
        }
    });
    let tendered = Rupiah::parse(&state.tendered);
    ui.add_space(6.0);
    match tendered {
        Some(tendered) if tendered >= total => {
            ui.label(RichText::new(tr.t("pay.change")).color(theme::MUTED));
            ui.label(
                RichText::new((tendered - total).to_string())
                    .text_style(theme::huge())
                    .color(theme::GOOD)
                    .strong(),
            );
        }
        Some(tendered) => {
            ui.label(
                RichText::new(tr.f("pay.short", &[("amount", &(total - tendered))]))
                    .size(22.0)
                    .color(theme::WARN),
            );
        }
        None if !state.tendered.trim().is_empty() => {
            ui.label(RichText::new(tr.t("pay.not_a_number")).color(theme::WARN));
        }
        None => {
            ui.label(RichText::new(tr.t("pay.enter_tendered")).color(theme::MUTED));
        }
    }
    ui.add_space(6.0);
    let ready = enabled && tendered.is_some_and(|t| t >= total);
    let pay = KeyButton::new(tr.t("pay.confirm"), Some(Key::Enter))
        .primary(true)
        .enabled(ready)
        .min_size(Vec2::new(ui.available_width(), 60.0))
        .show(ui);
    if pay && let Some(tendered) = tendered {
        action = Some(PaymentAction::Pay(Payment::Cash { tendered }));
    }
    action
}
