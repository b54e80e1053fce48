//! The web view's translation catalogue. Every string a page shows is a [`Key`] with
//! its English and German text side by side, so a key cannot exist without both
//! (the macro will not compile otherwise); a test checks none is left empty.
//! Texts may hold `{name}` placeholders, filled by [`Lang::tf`].

/// A language of the web view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    De,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// BCP 47 primary tag, for `lang` attributes and storage.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// The language's own name (never translated).
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .split(['-', '_', ';'])
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The first supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header.split(',').find_map(Lang::from_tag)
    }

    pub fn t(self, key: Key) -> &'static str {
        key.text(self)
    }

    /// The text with `{name}` placeholders replaced.
    pub fn tf(self, key: Key, args: &[(&str, &str)]) -> String {
        let mut s = key.text(self).to_owned();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }

    /// A number formatted the way the language writes it (German swaps `.` and `,`).
    pub fn number(self, value: rust_decimal::Decimal, decimals: u32) -> String {
        let v = value.round_dp(decimals);
        let s = format!("{:.*}", decimals as usize, v);
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
            None => (s.clone(), None),
        };
        let (neg, digits) = match int.strip_prefix('-') {
            Some(d) => (true, d.to_owned()),
            None => (false, int),
        };
        let (group, point) = match self {
            Lang::En => (',', '.'),
            Lang::De => ('.', ','),
        };
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(c);
        }
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        out.push_str(&grouped);
        if let Some(f) = frac {
            out.push(point);
            out.push_str(&f);
        }
        out
    }

    /// A quantity without trailing zeros.
    pub fn qty(self, value: rust_decimal::Decimal) -> String {
        let n = value.normalize();
        self.number(n, n.scale())
    }
}

macro_rules! catalogue {
    ($($key:ident => $en:literal, $de:literal;)+) => {
        /// Identifies one UI string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key { $($key),+ }

        impl Key {
            pub const ALL: &'static [Key] = &[$(Key::$key),+];

            fn text(self, lang: Lang) -> &'static str {
                match self {
                    $(Key::$key => match lang { Lang::En => $en, Lang::De => $de },)+
                }
            }
        }
    };
}

catalogue! {
    AppName => "ElevateCRM", "ElevateCRM";
    LogoAlt => "TECHGURU", "TECHGURU";
    SkipToContent => "Skip to main content", "Zum Hauptinhalt springen";
    MainNav => "Main navigation", "Hauptnavigation";
    NavDashboard => "Dashboard", "Übersicht";
    NavProducts => "Products", "Artikel";
    NavUsers => "Users", "Benutzer";
    NavRoles => "Roles", "Rollen";
    NavApiKeys => "API keys", "API-Schlüssel";
    NavAudit => "Audit log", "Prüfprotokoll";
    NavMfa => "Two-factor sign-in", "Zwei-Faktor-Anmeldung";
    UserMenu => "Account menu", "Kontomenü";
    SignedInAs => "Signed in as {name}", "Angemeldet als {name}";
    SignOut => "Sign out", "Abmelden";
    ThemeLabel => "Theme", "Darstellung";
    ThemeSystem => "System", "System";
    ThemeLight => "Light", "Hell";
    ThemeDark => "Dark", "Dunkel";
    LanguageLabel => "Language", "Sprache";
    Save => "Save", "Speichern";
    Saved => "Saved.", "Gespeichert.";
    // Sign-in
    LoginTitle => "Sign in", "Anmelden";
    LoginIntro => "Sign in to manage stock, counts and your team.", "Melden Sie sich an, um Bestand, Zählungen und Ihr Team zu verwalten.";
    TenantLabel => "Company ID", "Firmenkennung";
    TenantHint => "The short name of your company account, e.g. demo.", "Der Kurzname Ihres Firmenkontos, z. B. demo.";
    EmailLabel => "E-mail", "E-Mail";
    PasswordLabel => "Password", "Passwort";
    SignIn => "Sign in", "Anmelden";
    LoginFailed => "The company, e-mail or password is not right.", "Firma, E-Mail oder Passwort stimmen nicht.";
    LoginLocked => "Too many failed attempts: try again later.", "Zu viele Fehlversuche: Bitte später erneut versuchen.";
    MfaTitle => "Two-factor sign-in", "Zwei-Faktor-Anmeldung";
    MfaIntro => "Enter the 6-digit code from your authenticator app.", "Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App ein.";
    MfaCodeLabel => "Code", "Code";
    MfaBackupLabel => "Or a backup code", "Oder ein Backup-Code";
    MfaVerify => "Verify", "Bestätigen";
    MfaFailed => "The code is not right or was already used.", "Der Code ist falsch oder wurde bereits verwendet.";
    MfaExpired => "The sign-in took too long; start again.", "Die Anmeldung hat zu lange gedauert; bitte neu beginnen.";
    CsrfFailed => "The form expired; please try again.", "Das Formular ist abgelaufen; bitte erneut versuchen.";
    // Dashboard
    DashboardTitle => "Dashboard", "Übersicht";
    DashboardIntro => "Drag widgets to reorder them, or use the move buttons.", "Ziehen Sie Kacheln, um sie neu anzuordnen, oder nutzen Sie die Verschiebe-Schaltflächen.";
    WidgetStockValue => "Stock value by warehouse", "Lagerwert nach Lager";
    WidgetLowStock => "Low stock", "Niedriger Bestand";
    WidgetRecentMoves => "Recent stock moves", "Letzte Lagerbewegungen";
    WidgetCountProgress => "Open stock counts", "Offene Inventurzählungen";
    NoOpenCounts => "No count is open.", "Keine Zählung ist offen.";
    WidgetPipeline => "Sales pipeline", "Vertriebspipeline";
    PipelineStage => "Stage", "Phase";
    PipelineContacts => "Contacts", "Kontakte";
    PipelineWon => "Won (30 days)", "Gewonnen (30 Tage)";
    PipelineLost => "Lost (30 days)", "Verloren (30 Tage)";
    NoPipeline => "No contacts yet.", "Noch keine Kontakte.";
    StageSubscriber => "Subscriber", "Abonnent";
    StageLead => "Lead", "Lead";
    StageQualified => "Qualified", "Qualifiziert";
    StageOpportunity => "Opportunity", "Verkaufschance";
    StageCustomer => "Customer", "Kunde";
    StageEvangelist => "Evangelist", "Fürsprecher";
    StageChurned => "Churned", "Abgewandert";
    StageOther => "Other", "Sonstige";
    WidgetVisitsToday => "Today's visits", "Heutige Besuche";
    NoVisitsToday => "No visit logged today.", "Heute wurde kein Besuch erfasst.";
    MoveUp => "Move {widget} up", "{widget} nach oben";
    MoveDown => "Move {widget} down", "{widget} nach unten";
    RemoveWidget => "Remove {widget}", "{widget} entfernen";
    AddWidget => "Add widget", "Kachel hinzufügen";
    AddWidgetLabel => "Widget to add", "Hinzuzufügende Kachel";
    Add => "Add", "Hinzufügen";
    AllWidgetsShown => "All widgets are on the dashboard.", "Alle Kacheln sind auf der Übersicht.";
    DragHandle => "Drag to reorder {widget}", "{widget} zum Umordnen ziehen";
    LayoutSaved => "Dashboard layout saved.", "Anordnung der Übersicht gespeichert.";
    ChartStockValueDesc => "Bar chart of stock value per warehouse; the same figures are in the table below.", "Balkendiagramm des Lagerwerts je Lager; dieselben Zahlen stehen in der Tabelle darunter.";
    ShowAsTable => "Show as table", "Als Tabelle anzeigen";
    Total => "Total", "Summe";
    NoWarehouses => "No warehouses yet.", "Noch keine Lager.";
    NoLowStock => "No product is at or below its reorder point.", "Kein Artikel ist auf oder unter seinem Meldebestand.";
    NoMoves => "No stock moves yet.", "Noch keine Lagerbewegungen.";
    ReorderPoint => "Reorder point", "Meldebestand";
    NotPermitted => "You do not have access to this.", "Sie haben darauf keinen Zugriff.";
    // Columns and products
    ColWarehouse => "Warehouse", "Lager";
    ColValue => "Value", "Wert";
    ColQty => "Quantity", "Menge";
    ColSku => "SKU", "Artikelnr.";
    ColName => "Name", "Name";
    ColOnHand => "On hand", "Bestand";
    ColType => "Type", "Art";
    ColStatus => "Status", "Status";
    ColDate => "Date", "Datum";
    ColFrom => "From", "Von";
    ColTo => "To", "Nach";
    ColReason => "Reason", "Grund";
    ColLocation => "Location", "Lagerplatz";
    ColLot => "Lot", "Charge";
    ColReserved => "Reserved", "Reserviert";
    ColAvailable => "Available", "Verfügbar";
    ColUnitCost => "Unit cost", "Stückkosten";
    ColRemainingQty => "Remaining quantity", "Restmenge";
    ColRemainingValue => "Remaining value", "Restwert";
    ColCode => "Code", "Code";
    ColSymbology => "Symbology", "Symbologie";
    ColEmail => "E-mail", "E-Mail";
    ColRoles => "Roles", "Rollen";
    ColPermissions => "Permissions", "Berechtigungen";
    ColCreated => "Created", "Erstellt";
    ColLastUsed => "Last used", "Zuletzt genutzt";
    ColActions => "Actions", "Aktionen";
    ColKind => "Event", "Ereignis";
    ColActor => "By", "Von";
    ColSubject => "Subject", "Betreff";
    ColSeq => "No.", "Nr.";
    ColDetails => "Details", "Details";
    ProductsTitle => "Products", "Artikel";
    FiltersLabel => "Filter products", "Artikel filtern";
    SearchLabel => "Search SKU, name or barcode", "Suche nach Artikelnr., Name oder Barcode";
    IncludeArchived => "Include archived", "Archivierte einbeziehen";
    StockFilterLabel => "Stock", "Bestand";
    StockAny => "Any", "Alle";
    StockLow => "At or below reorder point", "Auf oder unter Meldebestand";
    ApplyFilters => "Apply", "Anwenden";
    ResultsCount => "{count} products", "{count} Artikel";
    NoProducts => "No products match.", "Keine Artikel gefunden.";
    Pagination => "Pages", "Seiten";
    PrevPage => "Previous page", "Vorherige Seite";
    NextPage => "Next page", "Nächste Seite";
    PageOf => "Page {page} of {pages}", "Seite {page} von {pages}";
    Archived => "Archived", "Archiviert";
    Active => "Active", "Aktiv";
    Inactive => "Inactive", "Inaktiv";
    TypeStocked => "Stocked", "Lagerartikel";
    TypeConsumable => "Consumable", "Verbrauchsartikel";
    TypeService => "Service", "Dienstleistung";
    ProductDetails => "Product details", "Artikeldetails";
    StockByLocation => "Stock by location", "Bestand nach Lagerplatz";
    LedgerMoves => "Ledger moves", "Buchungen";
    ValuationLayers => "Valuation layers", "Bewertungsschichten";
    Barcodes => "Barcodes", "Barcodes";
    NoStock => "No stock on hand.", "Kein Bestand.";
    NoLayers => "No valuation layers.", "Keine Bewertungsschichten.";
    NoBarcodes => "No barcodes.", "Keine Barcodes.";
    BarcodeImageAlt => "{symbology} barcode {code}", "{symbology}-Barcode {code}";
    BarcodeNotDrawn => "Shown as text only.", "Nur als Text angezeigt.";
    Cost => "Cost", "Kosten";
    Supplier => "Supplier", "Lieferant";
    LeadTime => "Lead time (days)", "Lieferzeit (Tage)";
    Unit => "Unit", "Einheit";
    BackToProducts => "Back to products", "Zurück zu den Artikeln";
    LiveUpdates => "Figures update live.", "Zahlen werden live aktualisiert.";
    // Admin
    UsersTitle => "Users", "Benutzer";
    RolesTitle => "Roles", "Rollen";
    BuiltIn => "Built-in", "Vordefiniert";
    Custom => "Custom", "Benutzerdefiniert";
    ApiKeysTitle => "API keys", "API-Schlüssel";
    NoApiKeys => "No API keys.", "Keine API-Schlüssel.";
    Revoke => "Revoke {name}", "{name} widerrufen";
    Revoked => "Revoked", "Widerrufen";
    Never => "Never", "Nie";
    AuditTitle => "Audit log", "Prüfprotokoll";
    AuditIntro => "Every change and sign-in, newest first. The log is append-only and hash-chained.", "Jede Änderung und Anmeldung, neueste zuerst. Das Protokoll ist unveränderlich und verkettet.";
    AuditFilterLabel => "Event kind (e.g. auth. or stock.moved)", "Ereignisart (z. B. auth. oder stock.moved)";
    NoEvents => "No events.", "Keine Ereignisse.";
    // MFA settings
    MfaSettingsTitle => "Two-factor sign-in", "Zwei-Faktor-Anmeldung";
    MfaOn => "Two-factor sign-in is on for your account.", "Die Zwei-Faktor-Anmeldung ist für Ihr Konto aktiv.";
    MfaOff => "Two-factor sign-in is off. Turn it on to protect your account.", "Die Zwei-Faktor-Anmeldung ist aus. Schalten Sie sie ein, um Ihr Konto zu schützen.";
    MfaRequiredNotice => "Your organisation requires two-factor sign-in: set it up to continue.", "Ihre Organisation verlangt die Zwei-Faktor-Anmeldung: Richten Sie sie ein, um fortzufahren.";
    MfaStart => "Set up an authenticator", "Authenticator einrichten";
    MfaScan => "Scan this code with your authenticator app, or type the key below, then enter the code it shows.", "Scannen Sie diesen Code mit Ihrer Authenticator-App oder geben Sie den Schlüssel unten ein, dann den angezeigten Code.";
    MfaQrAlt => "QR code for your authenticator app", "QR-Code für Ihre Authenticator-App";
    MfaSecretLabel => "Key", "Schlüssel";
    MfaConfirm => "Turn on", "Einschalten";
    MfaBackupCodes => "Backup codes", "Backup-Codes";
    MfaBackupIntro => "Keep these codes somewhere safe. Each works once if you lose your phone. They are shown only now.", "Bewahren Sie diese Codes sicher auf. Jeder funktioniert einmal, falls Sie Ihr Telefon verlieren. Sie werden nur jetzt angezeigt.";
    MfaWrongCode => "The code is not right.", "Der Code ist falsch.";
    ContinueToDashboard => "Continue to the dashboard", "Weiter zur Übersicht";
    // Navigation added with purchasing, counts and search
    NavReorder => "Reorder suggestions", "Bestellvorschläge";
    NavPurchaseOrders => "Purchase orders", "Bestellungen";
    NavCounts => "Stock counts", "Inventurzählungen";
    // Global search
    GlobalSearch => "Search", "Suche";
    GlobalSearchLabel => "Search contacts, products and orders", "Kontakte, Artikel und Bestellungen durchsuchen";
    SearchTitle => "Search", "Suche";
    SearchResultsFor => "Results for “{q}”", "Ergebnisse für „{q}“";
    SearchNothing => "Nothing matches.", "Keine Treffer.";
    SearchEmpty => "Type a name, SKU, barcode or order number.", "Geben Sie einen Namen, eine Artikelnummer, einen Barcode oder eine Bestellnummer ein.";
    SearchContacts => "Contacts and companies", "Kontakte und Firmen";
    SearchProducts => "Products", "Artikel";
    SearchOrders => "Purchase orders", "Bestellungen";
    SearchNotes => "Activity notes", "Aktivitätsnotizen";
    KindContact => "Contact", "Kontakt";
    KindCompany => "Company", "Firma";
    KindActivity => "Note", "Notiz";
    KindProduct => "Product", "Artikel";
    // Reorder suggestions
    ReorderTitle => "Reorder suggestions", "Bestellvorschläge";
    ReorderIntro => "What to buy now, and why. Approving makes a draft purchase order per supplier.", "Was jetzt zu bestellen ist, und warum. Eine Freigabe erstellt je Lieferant eine Bestellung im Entwurf.";
    NoSuggestions => "Nothing needs reordering right now.", "Derzeit muss nichts nachbestellt werden.";
    SuggestionCount => "{count} suggestions", "{count} Vorschläge";
    ColIncoming => "Incoming", "Zulauf";
    ColPosition => "Position", "Disponibel";
    ColSafetyStock => "Safety stock", "Sicherheitsbestand";
    ColTarget => "Order up to", "Auffüllen bis";
    ColSuggested => "Suggested quantity", "Vorschlagsmenge";
    Evidence => "Why this quantity", "Warum diese Menge";
    DemandWindow => "Demand {from} – {to} ({days} days)", "Bedarf {from} – {to} ({days} Tage)";
    DemandTotal => "Total demand", "Gesamtbedarf";
    DemandAvg => "Average per day", "Durchschnitt pro Tag";
    DemandStd => "Standard deviation per day", "Standardabweichung pro Tag";
    NoDemandHistory => "No demand history: min/max rule.", "Keine Bedarfshistorie: Min/Max-Regel.";
    ServiceLevel => "Service level", "Servicegrad";
    Formula => "Formula", "Formel";
    OrderQtyLabel => "Quantity to order for {sku}", "Bestellmenge für {sku}";
    ApproveSuggestion => "Approve {sku} → purchase order", "{sku} freigeben → Bestellung";
    NoSupplier => "No supplier linked: link one to the product to order it.", "Kein Lieferant verknüpft: Verknüpfen Sie einen mit dem Artikel, um ihn zu bestellen.";
    ReorderApproved => "Purchase order {refs} created.", "Bestellung {refs} erstellt.";
    // Purchase orders
    PurchaseOrdersTitle => "Purchase orders", "Bestellungen";
    NoPurchaseOrders => "No purchase orders.", "Keine Bestellungen.";
    PoFilterStatus => "Status", "Status";
    PoStatusAny => "Any", "Alle";
    PoDraft => "Draft", "Entwurf";
    PoConfirmed => "Confirmed", "Bestätigt";
    PoPartiallyReceived => "Partially received", "Teilweise erhalten";
    PoReceived => "Received", "Erhalten";
    PoCancelled => "Cancelled", "Storniert";
    ColReference => "Reference", "Nummer";
    ColSupplier => "Supplier", "Lieferant";
    ColTotal => "Total", "Summe";
    ColSource => "Source", "Herkunft";
    ColLines => "Lines", "Positionen";
    ColExpected => "Expected", "Erwartet";
    ColUnitPrice => "Unit price", "Stückpreis";
    ColReceived => "Received", "Erhalten";
    ColLineNo => "Line", "Pos.";
    PoLines => "Order lines", "Bestellpositionen";
    PoDeliverTo => "Deliver to", "Lieferung an";
    PoNotes => "Notes", "Notizen";
    BackToOrders => "Back to purchase orders", "Zurück zu den Bestellungen";
    PoConfirm => "Confirm order", "Bestellung bestätigen";
    PoConfirmHint => "Confirming sends the order: its quantities count as incoming stock.", "Mit der Bestätigung gilt die Bestellung als versandt: Ihre Mengen zählen als erwarteter Zugang.";
    PoConfirmedNotice => "The order is confirmed.", "Die Bestellung ist bestätigt.";
    PoReceiveTitle => "Receive goods", "Wareneingang buchen";
    PoReceiveHint => "Enter what arrived per line; leave a line at 0 to receive it later.", "Geben Sie je Position ein, was angekommen ist; 0 lässt eine Position für später offen.";
    PoOpenQty => "Open", "Offen";
    PoReceiveNow => "Receive now", "Jetzt erhalten";
    PoLot => "Lot", "Charge";
    PoLotOf => "Lot of {sku}", "Charge für {sku}";
    ReceiveQtyOf => "Quantity of {sku} to receive now", "Jetzt erhaltene Menge von {sku}";
    PoReceive => "Book receipt", "Eingang buchen";
    PoReceivedNotice => "Receipt booked: {lines} lines.", "Eingang gebucht: {lines} Positionen.";
    SourceReorder => "Reorder suggestion", "Bestellvorschlag";
    SourceManual => "Manual", "Manuell";
    SourceOther => "Import", "Import";
    // Counts
    CountsTitle => "Stock counts", "Inventurzählungen";
    CountsIntro => "Count sessions with their variances. Approving posts an adjustment for each line.", "Zählungen mit ihren Abweichungen. Eine Freigabe bucht für jede Zeile eine Korrektur.";
    NoCounts => "No count sessions.", "Keine Zählungen.";
    CountKindFull => "Full count", "Vollinventur";
    CountKindCycle => "Cycle count", "Permanente Inventur";
    CountKindSpot => "Spot count", "Stichprobe";
    CountOpen => "Open", "Offen";
    CountClosed => "Closed", "Abgeschlossen";
    CountBlind => "Blind", "Blind";
    CountSession => "Count {date}", "Zählung {date}";
    ColCounters => "Counters", "Zähler";
    ColCounted => "Counted", "Gezählt";
    ColExpectedQty => "Expected", "Soll";
    ColVarianceQty => "Variance", "Abweichung";
    ColVarianceValue => "Variance value", "Abweichungswert";
    ColProduct => "Product", "Artikel";
    ColTolerance => "Tolerance", "Toleranz";
    LineAgreed => "Agreed", "Übereinstimmend";
    LineDisagree => "Counters disagree: recount", "Zähler uneinig: neu zählen";
    LineSnapshotConflict => "Moves during the count: recount", "Bewegungen während der Zählung: neu zählen";
    LinePosted => "Posted", "Gebucht";
    LineRejected => "Rejected: recount", "Abgelehnt: neu zählen";
    RejectedBy => "Rejected by {name}: {reason}", "Abgelehnt von {name}: {reason}";
    RejectLine => "Reject variance of {sku} at {location}", "Abweichung von {sku} an {location} ablehnen";
    RejectEllipsis => "Reject…", "Ablehnen…";
    RejectLineReason => "Why (the counter sees it)", "Warum (für den Zähler sichtbar)";
    Reject => "Reject", "Ablehnen";
    CountLinesRejected => "{rejected} lines rejected, nothing posted for them; {pending} still waiting.", "{rejected} Zeilen abgelehnt, dafür wurde nichts gebucht; {pending} offen.";
    WithinTolerance => "Within tolerance", "Innerhalb der Toleranz";
    OverTolerance => "Over tolerance", "Über der Toleranz";
    ReasonLabel => "Reason for the adjustment", "Grund der Korrektur";
    ReasonCountAdjustment => "Count adjustment", "Zählkorrektur";
    ReasonDamaged => "Damaged", "Beschädigt";
    ReasonTheft => "Theft", "Diebstahl";
    ReasonMiscount => "Earlier miscount", "Frühere Fehlzählung";
    ReasonFound => "Found", "Gefunden";
    ApproveLine => "Approve variance of {sku} at {location}", "Abweichung von {sku} an {location} freigeben";
    Approve => "Approve", "Freigeben";
    ApproveAll => "Approve all agreed lines", "Alle übereinstimmenden Zeilen freigeben";
    CloseCount => "Close session (reject the rest)", "Zählung abschließen (Rest verwerfen)";
    CloseCountHint => "Closing rejects every variance not approved yet: nothing more is posted.", "Das Abschließen verwirft alle noch nicht freigegebenen Abweichungen: Es wird nichts mehr gebucht.";
    CountApproved => "{posted} lines posted, {pending} still waiting. Adjustment value: {value}.", "{posted} Zeilen gebucht, {pending} offen. Korrekturwert: {value}.";
    CountClosedNotice => "The count session is closed.", "Die Zählung ist abgeschlossen.";
    NoCountLines => "Nothing counted yet.", "Noch nichts gezählt.";
    CountProgress => "{counted} lines counted, {posted} posted", "{counted} Zeilen gezählt, {posted} gebucht";
    CountChanged => "New counts arrived.", "Neue Zählungen sind eingegangen.";
    Reload => "Reload", "Neu laden";
    BackToCounts => "Back to stock counts", "Zurück zu den Zählungen";
    ColMode => "Mode", "Modus";
    ModeSum => "Split zones (sum)", "Aufgeteilte Zonen (Summe)";
    ModeCompare => "Double-blind (compare)", "Doppelblind (Vergleich)";
    // Visits feed and notification centre
    NavVisits => "Visits", "Besuche";
    NavContacts => "Contacts", "Kontakte";
    ContactsTitle => "Contacts", "Kontakte";
    ContactSearchLabel => "Search name, e-mail or phone", "Suche nach Name, E-Mail oder Telefon";
    ContactsFound => "{count} contacts", "{count} Kontakte";
    NoContacts => "No contact matches.", "Kein Kontakt passt.";
    ContactPerson => "Person", "Person";
    ContactOrganization => "Organisation", "Organisation";
    ContactCompany => "Company", "Firma";
    ContactPhone => "Phone", "Telefon";
    ContactJobTitle => "Job title", "Position";
    ContactOutcome => "Outcome", "Ergebnis";
    OutcomeWon => "Won", "Gewonnen";
    OutcomeLost => "Lost", "Verloren";
    ContactScore => "Lead score", "Lead-Bewertung";
    NotScoredYet => "Not scored yet", "Noch nicht bewertet";
    WinProbability => "{p} chance to win", "{p} Gewinnchance";
    ScoreWhy => "What the score is made of", "Woraus sich die Bewertung ergibt";
    ContactSegments => "Segments", "Segmente";
    NoSegments => "In no saved segment", "In keinem gespeicherten Segment";
    ContactTags => "Tags", "Schlagwörter";
    ContactPeople => "People", "Personen";
    OpenTasks => "Open tasks", "Offene Aufgaben";
    NoOpenTasks => "No open task.", "Keine offene Aufgabe.";
    RecentActivities => "Activities and visits", "Aktivitäten und Besuche";
    NoActivities => "No activity yet.", "Noch keine Aktivität.";
    ActivityVisit => "Visit", "Besuch";
    ActivityCall => "Call", "Anruf";
    ActivityEmail => "E-mail", "E-Mail";
    ActivityTask => "Task", "Aufgabe";
    ActivityNote => "Note", "Notiz";
    BackToContacts => "Back to contacts", "Zurück zu den Kontakten";
    NavNotifications => "Notifications", "Benachrichtigungen";
    VisitsTitle => "Visits", "Besuche";
    VisitsIntro => "Customer visits recorded by the sales team, newest first.", "Kundenbesuche des Vertriebs, neueste zuerst.";
    NoVisits => "No visits yet.", "Noch keine Besuche.";
    VisitLines => "Wanted", "Gewünscht";
    FollowUp => "Follow-up", "Nachfassen";
    NextAction => "Next action", "Nächster Schritt";
    NextCall => "Call", "Anrufen";
    NextSendQuote => "Send a quote", "Angebot senden";
    NextDeliver => "Deliver", "Liefern";
    NextVisit => "Visit again", "Erneut besuchen";
    Transcript => "Transcript", "Abschrift";
    NotificationsTitle => "Notifications", "Benachrichtigungen";
    NoNotifications => "No notifications.", "Keine Benachrichtigungen.";
    UnreadOnly => "Unread only", "Nur ungelesene";
    Unread => "Unread", "Ungelesen";
    Read => "Read", "Gelesen";
    MarkRead => "Mark as read", "Als gelesen markieren";
    MarkReadOf => "Mark “{title}” as read", "„{title}“ als gelesen markieren";
    // CSV import
    NavImport => "CSV import", "CSV-Import";
    ImportTitle => "CSV import", "CSV-Import";
    ImportIntro => "Create or update products by SKU, or book opening stock, from a CSV file with a header row in these columns:", "Artikel nach Artikelnummer anlegen oder ändern oder Anfangsbestände buchen, aus einer CSV-Datei mit Kopfzeile in diesen Spalten:";
    ImportProducts => "Products", "Artikel";
    ImportStock => "Opening stock", "Anfangsbestand";
    ImportWhat => "What to import", "Was importiert wird";
    ImportModeLabel => "If a row fails", "Wenn eine Zeile fehlschlägt";
    ImportModeAll => "Import nothing", "Nichts importieren";
    ImportModePartial => "Import the good rows", "Die guten Zeilen importieren";
    ImportFile => "CSV file", "CSV-Datei";
    ImportPaste => "Or paste the CSV here", "Oder die CSV hier einfügen";
    ImportProgress => "Upload progress", "Fortschritt des Hochladens";
    ImportStart => "Import", "Importieren";
    ImportReport => "Import report", "Importbericht";
    ImportSummary => "{rows} rows: {imported} imported, {failed} failed.", "{rows} Zeilen: {imported} importiert, {failed} fehlgeschlagen.";
    ImportNothingWritten => "Nothing was imported because a row failed. Fix the rows below, or choose to import the good rows.", "Es wurde nichts importiert, weil eine Zeile fehlschlug. Korrigieren Sie die Zeilen unten oder importieren Sie nur die guten Zeilen.";
    ImportErrors => "Rows that failed", "Fehlgeschlagene Zeilen";
    ImportRefused => "The file was not imported:", "Die Datei wurde nicht importiert:";
    ColRow => "Row", "Zeile";
    ColField => "Column", "Spalte";
    ColProblem => "Problem", "Problem";
    // Approvals inbox
    NavApprovals => "Approvals", "Freigaben";
    ApprovalsTitle => "Approvals", "Freigaben";
    ApprovalsIntro => "Requests waiting for your decision, newest first.", "Anfragen, die auf Ihre Entscheidung warten, neueste zuerst.";
    NoApprovals => "Nothing is waiting for approval.", "Nichts wartet auf eine Freigabe.";
    RequestedBy => "Requested by {name}, {when}", "Angefragt von {name}, {when}";
    RequestFacts => "{lines} lines to approve ({over} over tolerance), {recount} to recount; variance value {value}.", "{lines} Zeilen freizugeben ({over} über der Toleranz), {recount} neu zu zählen; Abweichungswert {value}.";
    Review => "Review", "Prüfen";
    ReviewRequest => "Review {title}", "{title} prüfen";
    ApprovalRequested => "Approval was requested by {name}.", "Die Freigabe wurde von {name} angefragt.";
    RejectReasonLabel => "Reason for rejecting (the counter sees it)", "Grund der Ablehnung (für den Zähler sichtbar)";
    RejectRequest => "Reject: recount", "Ablehnen: neu zählen";
    CountRejected => "The request was rejected; nothing was posted.", "Die Anfrage wurde abgelehnt; es wurde nichts gebucht.";
    // Webhooks
    NavWebhooks => "Webhooks", "Webhooks";
    WebhooksTitle => "Webhooks", "Webhooks";
    WebhooksIntro => "Signed event deliveries to other systems. Each delivery carries an Elevate-Signature header made with the subscription's secret.", "Signierte Ereigniszustellungen an andere Systeme. Jede Zustellung trägt einen Elevate-Signature-Header, erstellt mit dem Geheimnis des Abonnements.";
    HookNew => "New subscription", "Neues Abonnement";
    HookUrlHint => "Where events are sent: an https:// address (http:// for test receivers).", "Wohin Ereignisse gesendet werden: eine https://-Adresse (http:// für Testempfänger).";
    HookKindsLegend => "Events to send", "Zu sendende Ereignisse";
    HookKindStock => "Stock moves", "Lagerbewegungen";
    HookKindCount => "Stock counts", "Inventurzählungen";
    HookKindPurchase => "Purchase orders", "Bestellungen";
    HookKindReorder => "Reorder suggestions", "Nachbestellvorschläge";
    HookKindTransfer => "Transfers", "Umlagerungen";
    HookKindContact => "Contacts", "Kontakte";
    HookKindActivity => "Activities and visits", "Aktivitäten und Besuche";
    HookKindApproval => "Approvals", "Freigaben";
    HookKindAll => "Everything", "Alles";
    HookOtherKinds => "Other event kinds (optional)", "Weitere Ereignisarten (optional)";
    HookOtherHint => "Exact kinds or prefixes ending in a dot, separated by commas.", "Genaue Arten oder Präfixe mit Punkt am Ende, durch Kommas getrennt.";
    HookDescription => "Description (optional)", "Beschreibung (optional)";
    HookCreate => "Create subscription", "Abonnement anlegen";
    HookCreated => "Subscription to {url} created.", "Abonnement für {url} angelegt.";
    HookSecretOnce => "Its signing secret, shown this once: store it in the receiving system now.", "Sein Signaturgeheimnis, nur dieses eine Mal angezeigt: Hinterlegen Sie es jetzt im empfangenden System.";
    HookEnable => "Enable", "Aktivieren";
    HookDisable => "Disable", "Deaktivieren";
    HookEnableLabel => "Enable deliveries to {url}", "Zustellungen an {url} aktivieren";
    HookDisableLabel => "Disable deliveries to {url}", "Zustellungen an {url} deaktivieren";
    HookTest => "Send test", "Test senden";
    HookTestLabel => "Send a test event to {url}", "Testereignis an {url} senden";
    HookDeleteEllipsis => "Delete…", "Löschen…";
    HookDeleteLabel => "Delete the subscription to {url}", "Abonnement für {url} löschen";
    HookDeleteHint => "Deliveries stop at once; the delivery log is kept.", "Zustellungen enden sofort; das Zustellprotokoll bleibt erhalten.";
    HookDeleteConfirm => "Delete for good", "Endgültig löschen";
    HookTested => "A test event was queued; it shows in the delivery log.", "Ein Testereignis wurde eingereiht; es erscheint im Zustellprotokoll.";
    HookEnabled => "The subscription is enabled.", "Das Abonnement ist aktiviert.";
    HookDisabled => "The subscription is disabled: nothing is delivered until it is enabled again.", "Das Abonnement ist deaktiviert: Bis zur erneuten Aktivierung wird nichts zugestellt.";
    HookDeleted => "The subscription was deleted.", "Das Abonnement wurde gelöscht.";
    HookLogOf => "Delivery log of {url}", "Zustellprotokoll von {url}";
    HookLogTitle => "Delivery log", "Zustellprotokoll";
    BackToWebhooks => "Back to webhooks", "Zurück zu den Webhooks";
    NoDeliveries => "Nothing was sent yet.", "Noch nichts gesendet.";
    ColEvent => "Event", "Ereignis";
    ColAttempts => "Attempts", "Versuche";
    ColLastAnswer => "Last answer", "Letzte Antwort";
    DeliveryPending => "Waiting", "Wartend";
    DeliveryDelivered => "Delivered", "Zugestellt";
    DeliveryDead => "Gave up", "Aufgegeben";
    NoWebhooks => "No webhook subscriptions.", "Keine Webhook-Abonnements.";
    ColUrl => "URL", "URL";
    ColEvents => "Events", "Ereignisse";
    ColDelivery => "Delivery", "Zustellung";
    CircuitOpen => "Paused after failures until {until}", "Nach Fehlern pausiert bis {until}";
    FailuresInARow => "{n} failures in a row", "{n} Fehlschläge in Folge";
    DeliveringOk => "Delivering", "Wird zugestellt";
    // Errors
    ErrorTitle => "Something went wrong", "Etwas ist schiefgelaufen";
    ErrorNotFound => "This page does not exist.", "Diese Seite gibt es nicht.";
    ErrorForbidden => "You do not have permission to see this page.", "Sie haben keine Berechtigung für diese Seite.";
    ErrorServer => "Something went wrong on our side. Try again in a moment.", "Bei uns ist etwas schiefgelaufen. Bitte gleich erneut versuchen.";
    ErrorRateLimited => "Too many requests; wait a moment and try again.", "Zu viele Anfragen; bitte kurz warten und erneut versuchen.";
    ErrorValidation => "Some of what you entered was not accepted. Go back, correct it and try again.", "Ein Teil Ihrer Eingaben wurde nicht angenommen. Gehen Sie zurück, korrigieren Sie ihn und versuchen Sie es erneut.";
    ErrorField => "Check this field: {field}.", "Bitte dieses Feld prüfen: {field}.";
    ErrorSomeField => "one of the fields", "eines der Felder";
    ErrorConflict => "This cannot be done in the current state; it may have changed meanwhile. Reload the page and try again.", "Das ist im aktuellen Zustand nicht möglich; er hat sich womöglich inzwischen geändert. Laden Sie die Seite neu und versuchen Sie es erneut.";
    ErrorResubmitted => "This form was already sent with other values. Reload the page and try again.", "Dieses Formular wurde bereits mit anderen Werten gesendet. Laden Sie die Seite neu und versuchen Sie es erneut.";
    ErrorInsufficientStock => "There is not enough stock for this.", "Dafür ist nicht genug Bestand vorhanden.";
    ErrorTooLarge => "What you sent is too large.", "Die gesendeten Daten sind zu groß.";
    ErrorUnavailable => "The service is busy right now; try again in a moment.", "Der Dienst ist gerade ausgelastet; bitte gleich erneut versuchen.";
    BackHome => "Back to the dashboard", "Zurück zur Übersicht";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_text_in_every_language() {
        for key in Key::ALL {
            for lang in Lang::ALL {
                assert!(!lang.t(*key).trim().is_empty(), "{key:?} empty in {lang:?}");
            }
        }
    }

    #[test]
    fn placeholders_match_between_languages() {
        let names = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
                .collect();
            v.sort();
            v
        };
        for key in Key::ALL {
            assert_eq!(
                names(Lang::En.t(*key)),
                names(Lang::De.t(*key)),
                "placeholders differ for {key:?}"
            );
        }
    }

    #[test]
    fn accept_language_picks_the_first_supported() {
        assert_eq!(
            Lang::from_accept_language("fr-FR,de-DE;q=0.8,en;q=0.5"),
            Some(Lang::De)
        );
        assert_eq!(Lang::from_accept_language("fr"), None);
        assert_eq!(Lang::from_accept_language("en-GB"), Some(Lang::En));
    }

    #[test]
    fn numbers_are_grouped_per_language() {
        let d = rust_decimal::Decimal::new(123456789, 2);
        assert_eq!(Lang::En.number(d, 2), "1,234,567.89");
        assert_eq!(Lang::De.number(d, 2), "1.234.567,89");
        assert_eq!(Lang::De.number(-d, 0), "-1.234.568");
        assert_eq!(Lang::En.qty(rust_decimal::Decimal::new(1500, 2)), "15");
    }
}
