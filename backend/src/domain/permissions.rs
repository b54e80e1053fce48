//! Fine-grained permissions, defined in code. Routes require one; roles grant sets
//! of them. The built-in roles below are the defaults every tenant starts with.

use serde::{Deserialize, Serialize};

macro_rules! permissions {
    ($($variant:ident => $name:literal : $desc:literal,)+) => {
        /// A permission a route can require.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Permission { $( #[serde(rename = $name)] $variant, )+ }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)+];

            /// The dotted wire name, e.g. `inventory.move.create`.
            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $name,)+ }
            }

            pub fn description(self) -> &'static str {
                match self { $(Permission::$variant => $desc,)+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some(Permission::$variant),)+ _ => None }
            }
        }
    };
}

permissions! {
    TenantRead => "tenant.read": "See the tenant's settings and branding",
    TenantManage => "tenant.manage": "Change the tenant's settings and branding",
    UsersRead => "admin.users.read": "See users",
    UsersManage => "admin.users.manage": "Create, change and deactivate users",
    RolesManage => "admin.roles.manage": "Edit roles and their permissions",
    ApiKeysManage => "admin.apikeys.manage": "Create and revoke API keys",
    AuditRead => "admin.audit.read": "Read the audit trail",
    WebhooksManage => "admin.webhooks.manage": "Manage webhook subscriptions",
    ProductRead => "inventory.product.read": "See products, barcodes and prices",
    ProductManage => "inventory.product.manage": "Create and change products",
    LocationManage => "inventory.location.manage": "Create and change warehouses and locations",
    StockRead => "inventory.stock.read": "See stock levels, moves and valuation",
    InventorySettingsManage => "inventory.settings.manage": "Change the negative-stock policy and valuation method",
    MoveCreate => "inventory.move.create": "Move, receive and adjust stock",
    ReservationManage => "inventory.reservation.manage": "Reserve and release stock",
    TransferManage => "inventory.transfer.manage": "Ship and receive transfers",
    CountPerform => "inventory.count.perform": "Count stock in a count session",
    CountManage => "inventory.count.manage": "Open and close count sessions",
    CountApprove => "inventory.count.approve": "Approve count variances",
    PickPerform => "inventory.pick.perform": "Pick order lines",
    PurchaseRead => "purchasing.order.read": "See purchase orders and suppliers",
    PurchaseManage => "purchasing.order.manage": "Create and change purchase orders",
    PurchaseApprove => "purchasing.order.approve": "Approve purchase orders and reorder suggestions",
    ContactRead => "crm.contact.read": "See contacts and accounts",
    ContactManage => "crm.contact.manage": "Create and change contacts",
    ActivityManage => "crm.activity.manage": "Log visits, calls and notes",
    OpportunityReadAll => "sales.opportunity.read_all": "See every rep's opportunities",
    QuoteManage => "sales.quote.manage": "Create and change quotes and orders",
    QuoteApprove => "sales.quote.approve": "Approve quotes",
    SyncDevice => "sync.device": "Sync a phone's offline work",
}

/// The built-in roles and what they grant.
pub fn built_in_role(role: &str) -> Option<&'static [Permission]> {
    use Permission::*;
    Some(match role {
        "admin" => Permission::ALL,
        "manager" => &[
            TenantRead,
            UsersRead,
            AuditRead,
            ProductRead,
            ProductManage,
            LocationManage,
            StockRead,
            MoveCreate,
            ReservationManage,
            TransferManage,
            CountPerform,
            CountManage,
            CountApprove,
            PickPerform,
            PurchaseRead,
            PurchaseManage,
            PurchaseApprove,
            ContactRead,
            ContactManage,
            ActivityManage,
            OpportunityReadAll,
            QuoteManage,
            QuoteApprove,
            SyncDevice,
        ],
        "warehouse" => &[
            TenantRead,
            ProductRead,
            StockRead,
            MoveCreate,
            ReservationManage,
            TransferManage,
            CountPerform,
            PickPerform,
            PurchaseRead,
            SyncDevice,
        ],
        "sales" => &[
            TenantRead,
            ProductRead,
            StockRead,
            ContactRead,
            ContactManage,
            ActivityManage,
            QuoteManage,
            SyncDevice,
        ],
        "readonly" => &[
            TenantRead,
            UsersRead,
            ProductRead,
            StockRead,
            PurchaseRead,
            ContactRead,
        ],
        _ => return None,
    })
}

pub const BUILT_IN_ROLES: &[&str] = &["admin", "manager", "warehouse", "sales", "readonly"];

/// The display name of a built-in role.
pub fn built_in_role_name(role: &str) -> &'static str {
    match role {
        "admin" => "Admin",
        "manager" => "Manager",
        "warehouse" => "Warehouse",
        "sales" => "Sales",
        "readonly" => "Read-only",
        _ => "Custom",
    }
}

/// Parses permission names, rejecting unknown ones (returned as the error).
pub fn parse_all(names: &[String]) -> Result<Vec<Permission>, String> {
    let mut out: Vec<Permission> = Vec::with_capacity(names.len());
    for n in names {
        let p = Permission::parse(n.trim()).ok_or_else(|| n.clone())?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for p in Permission::ALL {
            assert!(seen.insert(p.as_str()), "duplicate {}", p.as_str());
            assert_eq!(Permission::parse(p.as_str()), Some(*p));
            let json = serde_json::to_string(p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
        }
        assert_eq!(Permission::parse("nope"), None);
    }

    #[test]
    fn built_in_roles_are_ordered_by_power() {
        let grants = |r| built_in_role(r).unwrap().len();
        assert_eq!(grants("admin"), Permission::ALL.len());
        assert!(grants("manager") > grants("warehouse"));
        assert!(!built_in_role("readonly")
            .unwrap()
            .contains(&Permission::MoveCreate));
        assert!(built_in_role("warehouse")
            .unwrap()
            .contains(&Permission::CountPerform));
        assert!(!built_in_role("warehouse")
            .unwrap()
            .contains(&Permission::CountApprove));
        for r in BUILT_IN_ROLES {
            assert!(built_in_role(r).is_some());
        }
    }
}
