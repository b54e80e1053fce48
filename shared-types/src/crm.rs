//! CRM wire types: contacts (people and organisations), activities and visits,
//! duplicates and merges, search, the 360° view, segments and lead scores.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A person (B2C customer or someone at an account) or an organisation (B2B account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Person,
    Organization,
}

/// Where a contact is in the customer lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStage {
    Subscriber,
    Lead,
    Qualified,
    Opportunity,
    Customer,
    Evangelist,
    Churned,
    Other,
}

impl LifecycleStage {
    pub const ALL: [LifecycleStage; 8] = [
        Self::Subscriber,
        Self::Lead,
        Self::Qualified,
        Self::Opportunity,
        Self::Customer,
        Self::Evangelist,
        Self::Churned,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subscriber => "subscriber",
            Self::Lead => "lead",
            Self::Qualified => "qualified",
            Self::Opportunity => "opportunity",
            Self::Customer => "customer",
            Self::Evangelist => "evangelist",
            Self::Churned => "churned",
            Self::Other => "other",
        }
    }
}

/// How a sales effort with a contact ended: the history a learned lead score trains on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Won,
    Lost,
}

/// An e-mail address (stored lower-cased and trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactEmail {
    pub address: String,
    pub label: Option<String>,
    #[serde(default)]
    pub primary: bool,
}

/// A phone number as entered; `normalized` keeps a leading `+` and the digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactPhone {
    pub number: String,
    #[serde(default)]
    pub normalized: String,
    pub label: Option<String>,
    #[serde(default)]
    pub primary: bool,
}

/// A phone number to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PhoneInput {
    pub number: String,
    pub label: Option<String>,
    #[serde(default)]
    pub primary: bool,
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub label: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
}

/// The current state of one consent purpose (GDPR): granted or withdrawn, when and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consent {
    pub granted: bool,
    pub at: DateTime<Utc>,
    /// Where the consent was given or withdrawn, e.g. "web form", "visit 2026-11-02".
    pub source: String,
}

/// A consent change. Every change is also written to the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentChange {
    /// snake_case purpose, e.g. `email_marketing`, `sms_marketing`, `phone_calls`.
    pub purpose: String,
    pub granted: bool,
    pub source: String,
    /// When it was given; defaults to now.
    pub at: Option<DateTime<Utc>>,
}

/// A contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: Uuid,
    pub kind: ContactKind,
    /// The organisation's name, or the person's first and last name.
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub job_title: Option<String>,
    /// A person's organisation (or an organisation's parent).
    pub organization_id: Option<Uuid>,
    pub organization_name: Option<String>,
    pub owner_id: Option<Uuid>,
    pub lifecycle_stage: LifecycleStage,
    pub outcome: Option<Outcome>,
    pub outcome_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub emails: Vec<ContactEmail>,
    pub phones: Vec<ContactPhone>,
    pub addresses: Vec<Address>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub properties: serde_json::Value,
    pub consents: BTreeMap<String, Consent>,
    pub merged_into_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new contact. A person needs a first or last name; an organisation a `name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactForCreate {
    pub kind: ContactKind,
    /// The organisation's name (organisations only).
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub job_title: Option<String>,
    pub organization_id: Option<Uuid>,
    /// Defaults to the caller.
    pub owner_id: Option<Uuid>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub emails: Vec<ContactEmail>,
    #[serde(default)]
    pub phones: Vec<PhoneInput>,
    #[serde(default)]
    pub addresses: Vec<Address>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub properties: Option<serde_json::Value>,
    #[serde(default)]
    pub consents: Vec<ConsentChange>,
}

/// Changes to a contact; absent fields stay as they are. Lists (tags, e-mails,
/// phones, addresses) are replaced whole; `properties` is replaced whole;
/// consents are changes applied on top of the current ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactForUpdate {
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub job_title: Option<String>,
    /// `null` leaves it; use `clear_organization` to detach.
    pub organization_id: Option<Uuid>,
    #[serde(default)]
    pub clear_organization: bool,
    pub owner_id: Option<Uuid>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub outcome: Option<Outcome>,
    pub tags: Option<Vec<String>>,
    pub emails: Option<Vec<ContactEmail>>,
    pub phones: Option<Vec<PhoneInput>>,
    pub addresses: Option<Vec<Address>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub properties: Option<serde_json::Value>,
    #[serde(default)]
    pub consents: Vec<ConsentChange>,
}

/// A contact in a list of others (duplicates, people of an account).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactSummary {
    pub id: Uuid,
    pub kind: ContactKind,
    pub display_name: String,
    pub job_title: Option<String>,
    pub organization_id: Option<Uuid>,
    pub lifecycle_stage: LifecycleStage,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Contacts sharing a normalised e-mail address or phone number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DuplicateGroup {
    /// `email` or `phone`.
    pub matched_on: String,
    pub value: String,
    pub contacts: Vec<ContactSummary>,
}

/// Merge `duplicate_id` into the contact in the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    pub duplicate_id: Uuid,
}

/// The merged contact and what moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeResult {
    pub contact: Contact,
    pub merged_id: Uuid,
    pub moved_activities: i64,
    pub moved_people: i64,
    pub added_emails: i64,
    pub added_phones: i64,
}

/// CRM settings of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrmSettings {
    /// JSON Schema every contact's `properties` must satisfy.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub contact_properties_schema: serde_json::Value,
    /// PostgreSQL text search configuration: `simple` (no stemming, any language),
    /// `english`, `german`, `french`, `spanish`, `italian`, `dutch` or `portuguese`.
    pub search_language: String,
}

/// Changes to the CRM settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CrmSettingsForUpdate {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub contact_properties_schema: Option<serde_json::Value>,
    pub search_language: Option<String>,
}

/// What an activity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Visit,
    Call,
    Email,
    Task,
    Note,
}

/// What the rep should do after a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    Call,
    SendQuote,
    Deliver,
    Visit,
}

/// A product line of a visit: what the customer wants, and how many.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisitLine {
    pub product_id: Option<Uuid>,
    /// The product's name (as matched on the phone, or typed).
    pub product_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "12"))]
    pub quantity: Option<Decimal>,
}

/// The structured part of a visit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisitDetails {
    #[serde(default)]
    pub lines: Vec<VisitLine>,
    pub follow_up: Option<NaiveDate>,
    pub next_action: Option<NextAction>,
}

/// A visit, call, e-mail, task or note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub id: Uuid,
    pub kind: ActivityKind,
    pub contact_id: Option<Uuid>,
    pub contact_name: Option<String>,
    pub owner_id: Option<Uuid>,
    pub subject: String,
    pub notes: String,
    pub transcript: Option<String>,
    pub visit: Option<VisitDetails>,
    pub due_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub occurred_at: DateTime<Utc>,
    pub op_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new activity. `visit` is required for (and only allowed on) visits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivityForCreate {
    pub kind: ActivityKind,
    pub contact_id: Option<Uuid>,
    /// Defaults to the caller.
    pub owner_id: Option<Uuid>,
    pub subject: String,
    #[serde(default)]
    pub notes: String,
    pub transcript: Option<String>,
    pub visit: Option<VisitDetails>,
    pub due_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Defaults to now.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The client's operation id; the same op sent twice makes one activity.
    pub op_id: Option<String>,
}

/// Changes to an activity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivityForUpdate {
    pub subject: Option<String>,
    pub notes: Option<String>,
    pub transcript: Option<String>,
    pub visit: Option<VisitDetails>,
    pub due_at: Option<DateTime<Utc>>,
    /// `true` completes it now (if not already), `false` reopens it.
    pub completed: Option<bool>,
}

/// A visit as the phone syncs it (an activity of kind `visit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisitForCreate {
    pub contact_id: Uuid,
    /// The rep; defaults to the caller.
    pub rep_id: Option<Uuid>,
    /// Defaults to "Visit".
    pub subject: Option<String>,
    pub transcript: Option<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub lines: Vec<VisitLine>,
    pub follow_up: Option<NaiveDate>,
    pub next_action: Option<NextAction>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub op_id: Option<String>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// `contact`, `company`, `activity` or `product`.
    pub kind: String,
    pub id: Uuid,
    pub title: String,
    pub subtitle: Option<String>,
    pub rank: f32,
}

/// Search results, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub query: String,
    pub hits: Vec<SearchHit>,
}

/// A product a customer buys, with its stock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchasedProduct {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    /// Base units delivered to this customer.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty_delivered: Decimal,
    pub deliveries: i64,
    pub last_delivered_at: DateTime<Utc>,
    /// On hand in warehouses now, and what of it is not reserved.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub on_hand: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub available: Decimal,
}

/// The next thing to do with a contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    pub date: NaiveDate,
    pub activity_id: Uuid,
    /// `task` (an open task's due date) or `visit` (a visit's follow-up date).
    pub source: String,
    pub subject: String,
    pub next_action: Option<NextAction>,
}

/// Everything about a contact on one screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact360 {
    pub contact: Contact,
    /// A person's organisation.
    pub company: Option<ContactSummary>,
    /// An organisation's people, or a person's colleagues at the same organisation.
    pub people: Vec<ContactSummary>,
    pub recent_activities: Vec<Activity>,
    /// Open tasks (not completed), soonest due first.
    pub open_tasks: Vec<Activity>,
    pub next_follow_up: Option<FollowUp>,
    /// From deliveries to the customer location whose reference names this contact
    /// (`contact:<id>`); empty when there are none.
    pub top_products: Vec<PurchasedProduct>,
    pub score: Option<LeadScore>,
}

/// A rule tree over contacts: a group of rules joined by `and`/`or`, or one condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum SegmentRule {
    Group {
        /// `and` or `or`.
        op: GroupOp,
        #[cfg_attr(feature = "openapi", schema(no_recursion))]
        rules: Vec<SegmentRule>,
    },
    Condition {
        /// `kind`, `lifecycle_stage`, `display_name`, `job_title`, `owner_id`,
        /// `organization_id`, `outcome`, `tag`, `email`, `created_days_ago`,
        /// `last_activity_days_ago`, `activity_count_90d` or `property.<key>`.
        field: String,
        operator: SegmentOperator,
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        #[serde(default)]
        value: serde_json::Value,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupOp {
    And,
    Or,
}

/// Comparison operators for segment conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SegmentOperator {
    Eq,
    Neq,
    Contains,
    StartsWith,
    In,
    Gt,
    Gte,
    Lt,
    Lte,
    Exists,
    NotExists,
}

/// A saved segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Segment {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub rules: SegmentRule,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SegmentForCreate {
    pub name: String,
    pub description: Option<String>,
    pub rules: SegmentRule,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SegmentForUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub rules: Option<SegmentRule>,
}

/// Rules to evaluate without saving them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SegmentPreview {
    pub rules: SegmentRule,
}

/// How many contacts a rule set matches, with their ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SegmentCount {
    pub count: i64,
    /// Every member's id, sorted (previews only).
    pub ids: Vec<Uuid>,
}

/// One reason a score is what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreFactor {
    /// The feature, e.g. `has_email`, `visits_90d`.
    pub factor: String,
    /// The contact's value of it.
    pub value: f64,
    /// Points it adds (rule score) or its share of the log-odds (learned model).
    pub contribution: f64,
}

/// A contact's lead score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadScore {
    pub contact_id: Uuid,
    /// Profile fit + engagement, from the tenant's weights (0–100).
    pub rule_score: f64,
    /// The largest contributions to the rule score, biggest first.
    pub rule_factors: Vec<ScoreFactor>,
    /// Probability of winning from the learned model; absent without enough history.
    pub model_probability: Option<f64>,
    pub model_factors: Vec<ScoreFactor>,
    pub computed_at: DateTime<Utc>,
}

/// Per-tenant weights of the rule score: feature name → points per unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoringSettings {
    pub weights: BTreeMap<String, f64>,
}

/// What a recompute did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoringRun {
    pub contacts_scored: i64,
    /// Contacts with a won/lost outcome the model was trained on.
    pub training_examples: i64,
    pub model_trained: bool,
    /// Area under the ROC curve of the model and the rule score on the training history.
    pub model_auc: Option<f64>,
    pub rule_auc: Option<f64>,
}

/// One row of the ranked leads list (`GET /api/v1/scoring/leads`): the stored
/// score, kept fresh by the scoring job as contacts and activities change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RankedLead {
    pub contact_id: Uuid,
    pub display_name: String,
    pub rule_score: f64,
    pub model_probability: Option<f64>,
    /// The largest contributions to the rule score, biggest first.
    pub rule_factors: Vec<ScoreFactor>,
    pub computed_at: DateTime<Utc>,
}
