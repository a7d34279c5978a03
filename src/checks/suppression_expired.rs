use super::{Check, Context, Emitted, Meta};
use crate::model::Inventory;

check! {
    /// ## What it does
    /// Reports a suppression in the policy file whose `expires` date has passed. The finding it
    /// used to suppress is reported again as well.
    ///
    /// ## Why is this bad?
    /// A suppression is a promise to fix something by a date. Once the date is gone the promise
    /// is broken, and a silent suppression would hide the problem for good.
    ///
    /// ## Example
    /// ```yaml
    /// suppressions:
    ///   - check: waf-fail-open
    ///     resource: ALB
    ///     reason: WAF rules are being tuned (TICKET-12)
    ///     expires: 2025-01-31
    /// ```
    ///
    /// ## Fix
    /// Fix the underlying finding and delete the suppression, or, with a fresh reason, move the
    /// date.
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// Not confirmed by a probe: it is a fact about the policy file.
    pub struct SuppressionExpired {
        id: "suppression-expired",
        severity: Medium,
        summary: "A policy suppression is past its expiry date",
        modes: [Lint, Live],
        options: [],
    }
}

impl Check for SuppressionExpired {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    /// Emitted by the policy stage, which alone knows the suppressions and their dates.
    fn run(&self, _: &Inventory, _: &Context<'_>, _: &mut Vec<Emitted>) {}
}
