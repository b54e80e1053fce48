//! The translation catalogue. Every string the UI shows is looked up here by [`Key`].
//!
//! Each language is a flat table of `(Key, text)`; a test checks that every key appears
//! exactly once in every language, so adding a key without translating it fails CI rather
//! than silently showing English to a German user.

use serde::{Deserialize, Serialize};

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    De,
}

impl Language {
    /// Every supported language, in the order a picker shows them.
    pub const ALL: [Language; 2] = [Language::En, Language::De];

    /// BCP 47 primary tag, used for `lang` attributes and storage.
    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
        }
    }

    /// The language's own name, shown in the picker (never translated).
    pub fn native_name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::De => "Deutsch",
        }
    }

    /// Picks a supported language from a locale such as `de_DE.UTF-8` or `en-GB`.
    pub fn from_locale(locale: &str) -> Option<Language> {
        let primary = locale
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Language::ALL.into_iter().find(|l| l.tag() == primary)
    }

    fn table(self) -> &'static [(Key, &'static str)] {
        match self {
            Language::En => EN,
            Language::De => DE,
        }
    }
}

macro_rules! keys {
    ($($name:ident),* $(,)?) => {
        /// Identifies one UI string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key { $($name),* }

        impl Key {
            /// Every key; generated with the enum so it cannot miss one.
            pub const ALL: &'static [Key] = &[$(Key::$name),*];
        }
    };
}

keys! {
    ProductName,
    LogoAlt,
    LoginHeading,
    LoginIntro,
    ServerUrlLabel,
    ServerUrlHint,
    EmailLabel,
    PasswordLabel,
    SignIn,
    LanguageLabel,
    ThemeLabel,
    ThemeSystem,
    ThemeLight,
    ThemeDark,
    ErrorServerUrlEmpty,
    ErrorServerUrlScheme,
    ErrorServerUrlHost,
    ErrorEmailInvalid,
    ErrorPasswordEmpty,
    CountKindFull,
    CountKindSpot,
    CountKindCycle,
    CompanyLabel,
    CompanyHint,
    ErrorCompanyEmpty,
    SigningIn,
    MfaHeading,
    MfaIntro,
    MfaCodeLabel,
    MfaVerify,
    MfaBack,
    ErrorMfaCodeEmpty,
    ErrorInvalidCredentials,
    ErrorInvalidMfaCode,
    ErrorMfaExpired,
    ErrorTooManyAttempts,
    ErrorMfaSetupRequired,
    ErrorDeviceRefused,
    ErrorServerUnreachable,
    ErrorSignInFailed,
    HomeHeading,
    HomeSignedInAs,
    HomeServer,
    HomeComingSoon,
    SignOut,
    Offline,
    NavBack,
    TaskLookup,
    TaskMove,
    TaskCount,
    TaskPick,
    TaskReceive,
    TaskSync,
    TaskSettings,
    ScanLabel,
    ScanHint,
    ScanSubmit,
    ScanCamera,
    ScanCameraBusy,
    ScanCameraUnavailable,
    ScanUnknown,
    ScanMalformed,
    ScanWrongKind,
    LookupHeading,
    LookupPrompt,
    LookupStockPerLocation,
    LookupContents,
    LookupNoStock,
    LookupLot,
    LookupExpiry,
    LookupSerial,
    LookupCountSession,
    LookupPickList,
    LookupPurchaseOrder,
    ColLocation,
    ColProduct,
    ColQty,
    ColAvailable,
    MoveHeading,
    MoveStepFrom,
    MoveStepProduct,
    MoveStepQty,
    MoveStepTo,
    MoveFrom,
    MoveTo,
    MoveDone,
    MoveSameLocation,
    MoveAnother,
    QtyLabel,
    QtyIncrease,
    QtyDecrease,
    QtyPad,
    QtyClear,
    QtyOk,
    QtyInvalid,
    Confirm,
    Cancel,
    CountHeading,
    CountSessions,
    CountNoSessions,
    CountScanBin,
    CountScanProducts,
    CountBin,
    CountExpected,
    CountCounted,
    CountBlind,
    CountRecount,
    CountRecounting,
    CountNextBin,
    CountBinNotInSession,
    CountSaved,
    PickHeading,
    PickLists,
    PickNoLists,
    PickGoTo,
    PickScanLocation,
    PickScanProduct,
    PickWrongLocation,
    PickWrongProduct,
    PickPicked,
    PickOf,
    PickShort,
    PickShortReason,
    PickReasonNotFound,
    PickReasonDamaged,
    PickReasonInsufficient,
    PickLineDone,
    PickListDone,
    PickProgress,
    ReceiveHeading,
    ReceiveOrders,
    ReceiveNoOrders,
    ReceiveScanProduct,
    ReceiveNotOnOrder,
    ReceiveOrdered,
    ReceiveReceived,
    ReceiveConfirm,
    ReceiveDone,
    ReceiveNoLocation,
    SyncHeading,
    SyncOnline,
    SyncOffline,
    SyncPending,
    SyncLast,
    SyncNever,
    SyncNow,
    SyncRunning,
    SyncError,
    SyncNeedsLogin,
    SyncRejected,
    SyncRejectedHint,
    SyncNoRejected,
    SyncFix,
    SyncDiscard,
    SyncAllSynced,
    OpStockMove,
    OpReceiptLine,
    OpCountLine,
    OpPickConfirm,
    SettingsHeading,
    SettingsSave,
    SettingsSaved,
    TextSizeLabel,
    TextSizeNormal,
    TextSizeLarge,
    TextSizeLarger,
    HomeTasks,
    HomePendingBadge,
    StoreError,
}

/// Looks up `key` in `lang`. Falls back to English so a gap never shows an empty label
/// (the catalogue test keeps gaps from shipping).
pub fn t(lang: Language, key: Key) -> &'static str {
    lookup(lang.table(), key)
        .or_else(|| lookup(EN, key))
        .unwrap_or("")
}

fn lookup(table: &'static [(Key, &'static str)], key: Key) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, text)| *text)
}

const EN: &[(Key, &str)] = &[
    (Key::ProductName, "ElevateCRM"),
    (Key::LogoAlt, "TECHGURU logo"),
    (Key::LoginHeading, "Sign in"),
    (
        Key::LoginIntro,
        "Stock, counts and customer visits — also offline.",
    ),
    (Key::ServerUrlLabel, "Server URL"),
    (
        Key::ServerUrlHint,
        "The address your administrator gave you, e.g. https://crm.example.com",
    ),
    (Key::EmailLabel, "Email"),
    (Key::PasswordLabel, "Password"),
    (Key::SignIn, "Sign in"),
    (Key::LanguageLabel, "Language"),
    (Key::ThemeLabel, "Theme"),
    (Key::ThemeSystem, "Like the device"),
    (Key::ThemeLight, "Light"),
    (Key::ThemeDark, "Dark"),
    (Key::ErrorServerUrlEmpty, "Enter the server URL."),
    (
        Key::ErrorServerUrlScheme,
        "The server URL must start with https:// or http://.",
    ),
    (Key::ErrorServerUrlHost, "The server URL needs a host name."),
    (Key::ErrorEmailInvalid, "Enter a valid email address."),
    (Key::ErrorPasswordEmpty, "Enter your password."),
    (Key::CountKindFull, "Full count"),
    (Key::CountKindSpot, "Spot count"),
    (Key::CountKindCycle, "Cycle count"),
    (Key::CompanyLabel, "Company"),
    (
        Key::CompanyHint,
        "Your company's short name in ElevateCRM, e.g. acme",
    ),
    (Key::ErrorCompanyEmpty, "Enter your company."),
    (Key::SigningIn, "Signing in…"),
    (Key::MfaHeading, "Two-step verification"),
    (
        Key::MfaIntro,
        "Enter the 6-digit code from your authenticator app, or one of your backup codes.",
    ),
    (Key::MfaCodeLabel, "Verification code"),
    (Key::MfaVerify, "Verify"),
    (Key::MfaBack, "Back to sign-in"),
    (Key::ErrorMfaCodeEmpty, "Enter the code."),
    (
        Key::ErrorInvalidCredentials,
        "The company, email or password is not right.",
    ),
    (
        Key::ErrorInvalidMfaCode,
        "The code is not right or was already used.",
    ),
    (
        Key::ErrorMfaExpired,
        "Signing in took too long. Please enter your password again.",
    ),
    (
        Key::ErrorTooManyAttempts,
        "Too many sign-in attempts. Wait a while, then try again.",
    ),
    (
        Key::ErrorMfaSetupRequired,
        "Your company requires two-step verification. Set it up in the web app first.",
    ),
    (
        Key::ErrorDeviceRefused,
        "This phone may not sync for this account (revoked, or the account lacks the permission).",
    ),
    (
        Key::ErrorServerUnreachable,
        "The server cannot be reached. Check the address and the connection.",
    ),
    (
        Key::ErrorSignInFailed,
        "Signing in failed. Please try again later.",
    ),
    (Key::HomeHeading, "Home"),
    (Key::HomeSignedInAs, "Signed in as"),
    (Key::HomeServer, "Server"),
    (
        Key::HomeComingSoon,
        "Scanning, counts, pick lists and voice notes will appear here.",
    ),
    (Key::SignOut, "Sign out"),
    (Key::Offline, "Offline — changes are kept on this phone."),
    (Key::NavBack, "Back"),
    (Key::TaskLookup, "Look up"),
    (Key::TaskMove, "Move stock"),
    (Key::TaskCount, "Count"),
    (Key::TaskPick, "Pick"),
    (Key::TaskReceive, "Receive"),
    (Key::TaskSync, "Sync"),
    (Key::TaskSettings, "Settings"),
    (Key::ScanLabel, "Scan or type a code"),
    (
        Key::ScanHint,
        "Hardware scanners type here; press Enter to submit.",
    ),
    (Key::ScanSubmit, "Go"),
    (Key::ScanCamera, "Camera"),
    (Key::ScanCameraBusy, "Reading camera…"),
    (Key::ScanCameraUnavailable, "No camera on this device."),
    (Key::ScanUnknown, "Unknown code"),
    (Key::ScanMalformed, "Damaged GS1 code"),
    (Key::ScanWrongKind, "That code does not fit this step."),
    (Key::LookupHeading, "Look up"),
    (Key::LookupPrompt, "Scan a product or a location."),
    (Key::LookupStockPerLocation, "Stock per location"),
    (Key::LookupContents, "Contents"),
    (Key::LookupNoStock, "No stock recorded."),
    (Key::LookupLot, "Lot"),
    (Key::LookupExpiry, "Expiry"),
    (Key::LookupSerial, "Serial"),
    (Key::LookupCountSession, "Count session"),
    (Key::LookupPickList, "Pick list"),
    (Key::LookupPurchaseOrder, "Purchase order"),
    (Key::ColLocation, "Location"),
    (Key::ColProduct, "Product"),
    (Key::ColQty, "Qty"),
    (Key::ColAvailable, "Available"),
    (Key::MoveHeading, "Move stock"),
    (Key::MoveStepFrom, "1. Scan the source location"),
    (Key::MoveStepProduct, "2. Scan the product"),
    (Key::MoveStepQty, "3. Set the quantity"),
    (Key::MoveStepTo, "4. Scan the target location"),
    (Key::MoveFrom, "From"),
    (Key::MoveTo, "To"),
    (Key::MoveDone, "Move saved on this phone."),
    (
        Key::MoveSameLocation,
        "Source and target are the same location.",
    ),
    (Key::MoveAnother, "Next move"),
    (Key::QtyLabel, "Quantity"),
    (Key::QtyIncrease, "Increase quantity"),
    (Key::QtyDecrease, "Decrease quantity"),
    (Key::QtyPad, "Number pad"),
    (Key::QtyClear, "Clear"),
    (Key::QtyOk, "OK"),
    (Key::QtyInvalid, "Enter a quantity above zero."),
    (Key::Confirm, "Confirm"),
    (Key::Cancel, "Cancel"),
    (Key::CountHeading, "Count"),
    (Key::CountSessions, "Open count sessions"),
    (
        Key::CountNoSessions,
        "No open count sessions. Sync to fetch new ones.",
    ),
    (Key::CountScanBin, "Scan the bin to count."),
    (
        Key::CountScanProducts,
        "Scan each product; adjust with + and −.",
    ),
    (Key::CountBin, "Bin"),
    (Key::CountExpected, "Expected"),
    (Key::CountCounted, "Counted"),
    (
        Key::CountBlind,
        "Blind count: expected quantities are hidden.",
    ),
    (Key::CountRecount, "Recount bin"),
    (
        Key::CountRecounting,
        "Recount: your earlier lines for this bin are replaced.",
    ),
    (Key::CountNextBin, "Next bin"),
    (
        Key::CountBinNotInSession,
        "This bin is not part of the count.",
    ),
    (Key::CountSaved, "Saved on this phone."),
    (Key::PickHeading, "Pick"),
    (Key::PickLists, "Pick lists"),
    (Key::PickNoLists, "No pick lists assigned."),
    (Key::PickGoTo, "Go to"),
    (Key::PickScanLocation, "Scan the location."),
    (Key::PickScanProduct, "Scan the product."),
    (
        Key::PickWrongLocation,
        "Wrong location — go to the one shown.",
    ),
    (Key::PickWrongProduct, "Wrong product for this line."),
    (Key::PickPicked, "Picked"),
    (Key::PickOf, "of"),
    (Key::PickShort, "Short pick"),
    (Key::PickShortReason, "Why is the quantity short?"),
    (Key::PickReasonNotFound, "Not found"),
    (Key::PickReasonDamaged, "Damaged"),
    (Key::PickReasonInsufficient, "Not enough in the bin"),
    (Key::PickLineDone, "Line confirmed."),
    (Key::PickListDone, "Pick list complete."),
    (Key::PickProgress, "Line"),
    (Key::ReceiveHeading, "Receive"),
    (Key::ReceiveOrders, "Open purchase orders"),
    (Key::ReceiveNoOrders, "No open purchase orders."),
    (Key::ReceiveScanProduct, "Scan a product of this order."),
    (Key::ReceiveNotOnOrder, "This product is not on the order."),
    (Key::ReceiveOrdered, "Ordered"),
    (Key::ReceiveReceived, "Received"),
    (Key::ReceiveConfirm, "Receive"),
    (Key::ReceiveDone, "Receipt saved on this phone."),
    (
        Key::ReceiveNoLocation,
        "This order has no receiving location.",
    ),
    (Key::SyncHeading, "Sync"),
    (Key::SyncOnline, "Online"),
    (Key::SyncOffline, "Offline"),
    (Key::SyncPending, "Waiting to sync"),
    (Key::SyncLast, "Last sync"),
    (Key::SyncNever, "Never"),
    (Key::SyncNow, "Sync now"),
    (Key::SyncRunning, "Syncing…"),
    (Key::SyncError, "Last error"),
    (Key::SyncNeedsLogin, "Sign in again to resume syncing."),
    (Key::SyncRejected, "Refused by the server"),
    (
        Key::SyncRejectedHint,
        "Fix the quantity and send again, or discard. Nothing is dropped without you.",
    ),
    (Key::SyncNoRejected, "No refused changes."),
    (Key::SyncFix, "Fix and resend"),
    (Key::SyncDiscard, "Discard"),
    (Key::SyncAllSynced, "Everything is synced."),
    (Key::OpStockMove, "Move"),
    (Key::OpReceiptLine, "Receipt"),
    (Key::OpCountLine, "Count line"),
    (Key::OpPickConfirm, "Pick"),
    (Key::SettingsHeading, "Settings"),
    (Key::SettingsSave, "Save"),
    (Key::SettingsSaved, "Settings saved."),
    (Key::TextSizeLabel, "Text size"),
    (Key::TextSizeNormal, "Normal"),
    (Key::TextSizeLarge, "Large"),
    (Key::TextSizeLarger, "Larger"),
    (Key::HomeTasks, "Tasks"),
    (Key::HomePendingBadge, "waiting to sync"),
    (Key::StoreError, "The phone could not save this. Try again."),
];

const DE: &[(Key, &str)] = &[
    (Key::ProductName, "ElevateCRM"),
    (Key::LogoAlt, "TECHGURU-Logo"),
    (Key::LoginHeading, "Anmelden"),
    (
        Key::LoginIntro,
        "Bestand, Inventur und Kundenbesuche — auch offline.",
    ),
    (Key::ServerUrlLabel, "Server-Adresse"),
    (
        Key::ServerUrlHint,
        "Die Adresse von Ihrer Administration, z. B. https://crm.example.com",
    ),
    (Key::EmailLabel, "E-Mail"),
    (Key::PasswordLabel, "Passwort"),
    (Key::SignIn, "Anmelden"),
    (Key::LanguageLabel, "Sprache"),
    (Key::ThemeLabel, "Darstellung"),
    (Key::ThemeSystem, "Wie das Gerät"),
    (Key::ThemeLight, "Hell"),
    (Key::ThemeDark, "Dunkel"),
    (
        Key::ErrorServerUrlEmpty,
        "Bitte die Server-Adresse eingeben.",
    ),
    (
        Key::ErrorServerUrlScheme,
        "Die Server-Adresse muss mit https:// oder http:// beginnen.",
    ),
    (
        Key::ErrorServerUrlHost,
        "Der Server-Adresse fehlt der Hostname.",
    ),
    (
        Key::ErrorEmailInvalid,
        "Bitte eine gültige E-Mail-Adresse eingeben.",
    ),
    (Key::ErrorPasswordEmpty, "Bitte das Passwort eingeben."),
    (Key::CountKindFull, "Vollinventur"),
    (Key::CountKindSpot, "Stichprobeninventur"),
    (Key::CountKindCycle, "Permanente Inventur"),
    (Key::CompanyLabel, "Firma"),
    (Key::CompanyHint, "Das Kürzel Ihrer Firma in ElevateCRM, z. B. acme"),
    (Key::ErrorCompanyEmpty, "Bitte die Firma eingeben."),
    (Key::SigningIn, "Anmeldung läuft …"),
    (Key::MfaHeading, "Bestätigung in zwei Schritten"),
    (Key::MfaIntro, "Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App oder einen Ihrer Ersatzcodes ein."),
    (Key::MfaCodeLabel, "Bestätigungscode"),
    (Key::MfaVerify, "Bestätigen"),
    (Key::MfaBack, "Zurück zur Anmeldung"),
    (Key::ErrorMfaCodeEmpty, "Bitte den Code eingeben."),
    (Key::ErrorInvalidCredentials, "Firma, E-Mail-Adresse oder Passwort stimmen nicht."),
    (Key::ErrorInvalidMfaCode, "Der Code stimmt nicht oder wurde schon verwendet."),
    (Key::ErrorMfaExpired, "Die Anmeldung hat zu lange gedauert. Bitte das Passwort erneut eingeben."),
    (Key::ErrorTooManyAttempts, "Zu viele Anmeldeversuche. Bitte etwas warten und dann erneut versuchen."),
    (Key::ErrorMfaSetupRequired, "Ihre Firma verlangt die Bestätigung in zwei Schritten. Bitte zuerst in der Web-Anwendung einrichten."),
    (Key::ErrorDeviceRefused, "Dieses Telefon darf für dieses Konto nicht synchronisieren (gesperrt oder fehlende Berechtigung)."),
    (Key::ErrorServerUnreachable, "Der Server ist nicht erreichbar. Bitte Adresse und Verbindung prüfen."),
    (Key::ErrorSignInFailed, "Die Anmeldung ist fehlgeschlagen. Bitte später erneut versuchen."),
    (Key::HomeHeading, "Start"),
    (Key::HomeSignedInAs, "Angemeldet als"),
    (Key::HomeServer, "Server"),
    (
        Key::HomeComingSoon,
        "Scannen, Inventur, Picklisten und Sprachnotizen erscheinen hier.",
    ),
    (Key::SignOut, "Abmelden"),
    (
        Key::Offline,
        "Offline — Änderungen bleiben auf diesem Telefon.",
    ),
    (Key::NavBack, "Zurück"),
    (Key::TaskLookup, "Nachschlagen"),
    (Key::TaskMove, "Umlagern"),
    (Key::TaskCount, "Inventur"),
    (Key::TaskPick, "Kommissionieren"),
    (Key::TaskReceive, "Wareneingang"),
    (Key::TaskSync, "Synchronisieren"),
    (Key::TaskSettings, "Einstellungen"),
    (Key::ScanLabel, "Code scannen oder eingeben"),
    (
        Key::ScanHint,
        "Hardware-Scanner tippen hier; Eingabe schickt ab.",
    ),
    (Key::ScanSubmit, "Los"),
    (Key::ScanCamera, "Kamera"),
    (Key::ScanCameraBusy, "Kamera liest…"),
    (Key::ScanCameraUnavailable, "Keine Kamera auf diesem Gerät."),
    (Key::ScanUnknown, "Unbekannter Code"),
    (Key::ScanMalformed, "Fehlerhafter GS1-Code"),
    (
        Key::ScanWrongKind,
        "Dieser Code passt nicht zu diesem Schritt.",
    ),
    (Key::LookupHeading, "Nachschlagen"),
    (Key::LookupPrompt, "Artikel oder Lagerplatz scannen."),
    (Key::LookupStockPerLocation, "Bestand je Lagerplatz"),
    (Key::LookupContents, "Inhalt"),
    (Key::LookupNoStock, "Kein Bestand erfasst."),
    (Key::LookupLot, "Charge"),
    (Key::LookupExpiry, "Verfallsdatum"),
    (Key::LookupSerial, "Seriennummer"),
    (Key::LookupCountSession, "Inventur"),
    (Key::LookupPickList, "Pickliste"),
    (Key::LookupPurchaseOrder, "Bestellung"),
    (Key::ColLocation, "Lagerplatz"),
    (Key::ColProduct, "Artikel"),
    (Key::ColQty, "Menge"),
    (Key::ColAvailable, "Verfügbar"),
    (Key::MoveHeading, "Umlagern"),
    (Key::MoveStepFrom, "1. Quell-Lagerplatz scannen"),
    (Key::MoveStepProduct, "2. Artikel scannen"),
    (Key::MoveStepQty, "3. Menge festlegen"),
    (Key::MoveStepTo, "4. Ziel-Lagerplatz scannen"),
    (Key::MoveFrom, "Von"),
    (Key::MoveTo, "Nach"),
    (Key::MoveDone, "Umlagerung auf dem Telefon gespeichert."),
    (
        Key::MoveSameLocation,
        "Quelle und Ziel sind derselbe Lagerplatz.",
    ),
    (Key::MoveAnother, "Nächste Umlagerung"),
    (Key::QtyLabel, "Menge"),
    (Key::QtyIncrease, "Menge erhöhen"),
    (Key::QtyDecrease, "Menge verringern"),
    (Key::QtyPad, "Ziffernblock"),
    (Key::QtyClear, "Löschen"),
    (Key::QtyOk, "OK"),
    (Key::QtyInvalid, "Eine Menge über null eingeben."),
    (Key::Confirm, "Bestätigen"),
    (Key::Cancel, "Abbrechen"),
    (Key::CountHeading, "Inventur"),
    (Key::CountSessions, "Offene Inventuren"),
    (
        Key::CountNoSessions,
        "Keine offenen Inventuren. Synchronisieren, um neue zu laden.",
    ),
    (Key::CountScanBin, "Den zu zählenden Lagerplatz scannen."),
    (
        Key::CountScanProducts,
        "Jeden Artikel scannen; mit + und − anpassen.",
    ),
    (Key::CountBin, "Lagerplatz"),
    (Key::CountExpected, "Soll"),
    (Key::CountCounted, "Gezählt"),
    (
        Key::CountBlind,
        "Blindzählung: Sollmengen sind ausgeblendet.",
    ),
    (Key::CountRecount, "Lagerplatz neu zählen"),
    (
        Key::CountRecounting,
        "Nachzählung: Ihre früheren Zeilen für diesen Lagerplatz werden ersetzt.",
    ),
    (Key::CountNextBin, "Nächster Lagerplatz"),
    (
        Key::CountBinNotInSession,
        "Dieser Lagerplatz gehört nicht zur Inventur.",
    ),
    (Key::CountSaved, "Auf dem Telefon gespeichert."),
    (Key::PickHeading, "Kommissionieren"),
    (Key::PickLists, "Picklisten"),
    (Key::PickNoLists, "Keine Picklisten zugewiesen."),
    (Key::PickGoTo, "Gehe zu"),
    (Key::PickScanLocation, "Lagerplatz scannen."),
    (Key::PickScanProduct, "Artikel scannen."),
    (
        Key::PickWrongLocation,
        "Falscher Lagerplatz — zum angezeigten gehen.",
    ),
    (Key::PickWrongProduct, "Falscher Artikel für diese Zeile."),
    (Key::PickPicked, "Entnommen"),
    (Key::PickOf, "von"),
    (Key::PickShort, "Fehlmenge"),
    (Key::PickShortReason, "Warum fehlt Menge?"),
    (Key::PickReasonNotFound, "Nicht gefunden"),
    (Key::PickReasonDamaged, "Beschädigt"),
    (Key::PickReasonInsufficient, "Zu wenig am Platz"),
    (Key::PickLineDone, "Zeile bestätigt."),
    (Key::PickListDone, "Pickliste abgeschlossen."),
    (Key::PickProgress, "Zeile"),
    (Key::ReceiveHeading, "Wareneingang"),
    (Key::ReceiveOrders, "Offene Bestellungen"),
    (Key::ReceiveNoOrders, "Keine offenen Bestellungen."),
    (
        Key::ReceiveScanProduct,
        "Einen Artikel dieser Bestellung scannen.",
    ),
    (
        Key::ReceiveNotOnOrder,
        "Dieser Artikel ist nicht in der Bestellung.",
    ),
    (Key::ReceiveOrdered, "Bestellt"),
    (Key::ReceiveReceived, "Erhalten"),
    (Key::ReceiveConfirm, "Einbuchen"),
    (Key::ReceiveDone, "Eingang auf dem Telefon gespeichert."),
    (
        Key::ReceiveNoLocation,
        "Diese Bestellung hat keinen Eingangs-Lagerplatz.",
    ),
    (Key::SyncHeading, "Synchronisation"),
    (Key::SyncOnline, "Online"),
    (Key::SyncOffline, "Offline"),
    (Key::SyncPending, "Wartet auf Synchronisation"),
    (Key::SyncLast, "Letzte Synchronisation"),
    (Key::SyncNever, "Noch nie"),
    (Key::SyncNow, "Jetzt synchronisieren"),
    (Key::SyncRunning, "Synchronisiere…"),
    (Key::SyncError, "Letzter Fehler"),
    (
        Key::SyncNeedsLogin,
        "Erneut anmelden, um weiter zu synchronisieren.",
    ),
    (Key::SyncRejected, "Vom Server abgelehnt"),
    (
        Key::SyncRejectedHint,
        "Menge korrigieren und erneut senden oder verwerfen. Nichts wird ohne Sie verworfen.",
    ),
    (Key::SyncNoRejected, "Keine abgelehnten Änderungen."),
    (Key::SyncFix, "Korrigieren und senden"),
    (Key::SyncDiscard, "Verwerfen"),
    (Key::SyncAllSynced, "Alles ist synchronisiert."),
    (Key::OpStockMove, "Umlagerung"),
    (Key::OpReceiptLine, "Wareneingang"),
    (Key::OpCountLine, "Zählzeile"),
    (Key::OpPickConfirm, "Entnahme"),
    (Key::SettingsHeading, "Einstellungen"),
    (Key::SettingsSave, "Speichern"),
    (Key::SettingsSaved, "Einstellungen gespeichert."),
    (Key::TextSizeLabel, "Schriftgröße"),
    (Key::TextSizeNormal, "Normal"),
    (Key::TextSizeLarge, "Groß"),
    (Key::TextSizeLarger, "Sehr groß"),
    (Key::HomeTasks, "Aufgaben"),
    (Key::HomePendingBadge, "warten auf Synchronisation"),
    (
        Key::StoreError,
        "Das Telefon konnte das nicht speichern. Bitte erneut versuchen.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_exactly_once_in_every_language() {
        for lang in Language::ALL {
            let table = lang.table();
            for key in Key::ALL {
                let hits = table.iter().filter(|(k, _)| k == key).count();
                assert_eq!(hits, 1, "{key:?} appears {hits} times in {}", lang.tag());
                let text = lookup(table, *key).unwrap_or_default();
                assert!(
                    !text.trim().is_empty(),
                    "{key:?} is blank in {}",
                    lang.tag()
                );
            }
            assert_eq!(
                table.len(),
                Key::ALL.len(),
                "{} has stray entries",
                lang.tag()
            );
        }
    }

    #[test]
    fn german_is_actually_translated() {
        // Brand names may match; ordinary words must not be copied English.
        let untranslated: Vec<_> = Key::ALL
            .iter()
            .filter(|k| {
                !matches!(
                    k,
                    Key::ProductName
                        | Key::HomeServer
                        | Key::SyncOnline
                        | Key::SyncOffline
                        | Key::QtyOk
                        | Key::TextSizeNormal
                )
            })
            .filter(|k| t(Language::De, **k) == t(Language::En, **k))
            .collect();
        assert!(
            untranslated.is_empty(),
            "copied from English: {untranslated:?}"
        );
    }

    #[test]
    fn lookup_returns_the_language_text() {
        assert_eq!(t(Language::En, Key::PasswordLabel), "Password");
        assert_eq!(t(Language::De, Key::PasswordLabel), "Passwort");
    }

    #[test]
    fn locale_strings_map_to_languages() {
        assert_eq!(Language::from_locale("de_DE.UTF-8"), Some(Language::De));
        assert_eq!(Language::from_locale("en-GB"), Some(Language::En));
        assert_eq!(Language::from_locale("DE"), Some(Language::De));
        assert_eq!(Language::from_locale("fr_FR"), None);
        assert_eq!(Language::from_locale(""), None);
    }
}
