//! Product variants: a template's attributes (size, colour, …), the
//! combinations they make, and the SKU and name a variant gets by default.

use std::collections::{BTreeMap, HashSet};

use shared_types::inventory::VariantAttribute;

use crate::domain::identity::InvalidValue;
use crate::domain::stock::label;

/// At most this many attributes per template.
pub const MAX_ATTRIBUTES: usize = 5;
/// At most this many values per attribute.
pub const MAX_VALUES: usize = 200;
/// At most this many variants one template can make.
pub const MAX_COMBINATIONS: usize = 1_000;

fn invalid(field: &'static str, message: impl Into<String>) -> InvalidValue {
    InvalidValue {
        field,
        message: message.into(),
    }
}

/// Checks and trims a template's attributes: 1–5 attributes with distinct names
/// (case-insensitive), each with 1–200 distinct values, at most 1,000
/// combinations in all. An empty list means "not a template".
pub fn check_attributes(
    list: Vec<VariantAttribute>,
) -> Result<Vec<VariantAttribute>, InvalidValue> {
    const F: &str = "variant_attributes";
    if list.len() > MAX_ATTRIBUTES {
        return Err(invalid(F, format!("at most {MAX_ATTRIBUTES} attributes")));
    }
    let mut names = HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    let mut combinations: usize = 1;
    for a in list {
        let name = label(F, &a.name, 50)?;
        if !names.insert(name.to_lowercase()) {
            return Err(invalid(F, format!("attribute '{name}' is listed twice")));
        }
        if a.values.is_empty() || a.values.len() > MAX_VALUES {
            return Err(invalid(
                F,
                format!("attribute '{name}' needs 1–{MAX_VALUES} values"),
            ));
        }
        let mut seen = HashSet::new();
        let mut values = Vec::with_capacity(a.values.len());
        for v in &a.values {
            let v = label(F, v, 50)?;
            if !seen.insert(v.to_lowercase()) {
                return Err(invalid(
                    F,
                    format!("value '{v}' of '{name}' is listed twice"),
                ));
            }
            values.push(v);
        }
        combinations = combinations.saturating_mul(values.len());
        out.push(VariantAttribute { name, values });
    }
    if combinations > MAX_COMBINATIONS {
        return Err(invalid(
            F,
            format!("the attributes make {combinations} variants; at most {MAX_COMBINATIONS}"),
        ));
    }
    Ok(out)
}

/// Checks a variant's values against its template: one known value for every
/// attribute, nothing else. Answers them with the template's spelling.
pub fn check_values(
    attributes: &[VariantAttribute],
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, InvalidValue> {
    const F: &str = "values";
    if attributes.is_empty() {
        return Err(invalid(
            "id",
            "the product is not a template: give it variant_attributes first",
        ));
    }
    let mut out = BTreeMap::new();
    for a in attributes {
        let given = values
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(&a.name))
            .map(|(_, v)| v.trim())
            .ok_or_else(|| invalid(F, format!("a value for '{}' is missing", a.name)))?;
        let known = a
            .values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(given))
            .ok_or_else(|| {
                invalid(
                    F,
                    format!(
                        "'{given}' is not a value of '{}' (one of: {})",
                        a.name,
                        a.values.join(", ")
                    ),
                )
            })?;
        out.insert(a.name.clone(), known.clone());
    }
    if let Some(extra) = values.keys().find(|k| {
        !attributes
            .iter()
            .any(|a| a.name.eq_ignore_ascii_case(k.trim()))
    }) {
        return Err(invalid(
            F,
            format!("'{extra}' is not an attribute of the template"),
        ));
    }
    Ok(out)
}

/// Every combination of values, the first attribute varying slowest.
pub fn combinations(attributes: &[VariantAttribute]) -> Vec<BTreeMap<String, String>> {
    if attributes.is_empty() {
        return Vec::new();
    }
    let mut out = vec![BTreeMap::new()];
    for a in attributes {
        out = out
            .into_iter()
            .flat_map(|partial| {
                a.values.iter().map(move |v| {
                    let mut next = partial.clone();
                    next.insert(a.name.clone(), v.clone());
                    next
                })
            })
            .collect();
    }
    out
}

fn in_order<'a>(
    attributes: &'a [VariantAttribute],
    values: &'a BTreeMap<String, String>,
) -> impl Iterator<Item = &'a str> {
    attributes
        .iter()
        .filter_map(|a| values.get(&a.name).map(String::as_str))
}

/// `TEE` + {size: M, colour: Light blue} → `TEE-M-LIGHT_BLUE`.
pub fn default_sku(
    template_sku: &str,
    attributes: &[VariantAttribute],
    values: &BTreeMap<String, String>,
) -> String {
    let mut sku = template_sku.to_owned();
    for v in in_order(attributes, values) {
        sku.push('-');
        sku.push_str(
            &v.split_whitespace()
                .collect::<Vec<_>>()
                .join("_")
                .to_uppercase(),
        );
    }
    sku
}

/// `T-shirt` + {size: M, colour: red} → `T-shirt (M, red)`.
pub fn default_name(
    template_name: &str,
    attributes: &[VariantAttribute],
    values: &BTreeMap<String, String>,
) -> String {
    let parts: Vec<&str> = in_order(attributes, values).collect();
    format!("{template_name} ({})", parts.join(", "))
}

/// A template's attributes may change while it has variants only in ways that
/// keep every variant valid: the same attribute names, values added, no value
/// in use removed.
pub fn still_covers(
    new: &[VariantAttribute],
    used: &[BTreeMap<String, String>],
) -> Result<(), InvalidValue> {
    for values in used {
        if values.len() != new.len() {
            return Err(invalid(
                "variant_attributes",
                "the template has variants: attributes can gain values but not be added or removed",
            ));
        }
        check_values(new, values).map_err(|_| {
            let shown: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
            invalid(
                "variant_attributes",
                format!(
                    "the variant {} would lose its value; values in use cannot be removed",
                    shown.join(", ")
                ),
            )
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(name: &str, values: &[&str]) -> VariantAttribute {
        VariantAttribute {
            name: name.into(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    fn vals(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn attributes_are_checked_and_trimmed() {
        let ok = check_attributes(vec![
            attr(" size ", &["S", " M "]),
            attr("colour", &["red"]),
        ])
        .unwrap();
        assert_eq!(ok[0].name, "size");
        assert_eq!(ok[0].values, vec!["S", "M"]);
        assert!(check_attributes(vec![attr("size", &["S"]), attr("Size", &["M"])]).is_err());
        assert!(check_attributes(vec![attr("size", &[])]).is_err());
        assert!(check_attributes(vec![attr("size", &["S", "s"])]).is_err());
        assert!(check_attributes(vec![attr("", &["S"])]).is_err());
        let many: Vec<String> = (0..40).map(|i| i.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let e = check_attributes(vec![attr("a", &many), attr("b", &many)]).unwrap_err();
        assert!(e.message.contains("1600"), "{}", e.message);
        let six: Vec<VariantAttribute> = (0..6).map(|i| attr(&format!("a{i}"), &["x"])).collect();
        assert!(check_attributes(six).is_err());
        assert!(check_attributes(Vec::new()).unwrap().is_empty());
    }

    #[test]
    fn values_must_name_every_attribute_with_a_known_value() {
        let a = [attr("size", &["S", "M"]), attr("colour", &["red", "blue"])];
        let v = check_values(&a, &vals(&[("Size", "m"), ("colour", "Red")])).unwrap();
        assert_eq!(v, vals(&[("size", "M"), ("colour", "red")]));
        assert!(check_values(&a, &vals(&[("size", "M")])).is_err());
        assert!(check_values(&a, &vals(&[("size", "XL"), ("colour", "red")])).is_err());
        let e = check_values(
            &a,
            &vals(&[("size", "M"), ("colour", "red"), ("fit", "slim")]),
        )
        .unwrap_err();
        assert!(e.message.contains("fit"));
        assert_eq!(check_values(&[], &vals(&[])).unwrap_err().field, "id");
    }

    #[test]
    fn combinations_vary_the_last_attribute_fastest() {
        let a = [
            attr("size", &["S", "M"]),
            attr("colour", &["red", "blue", "green"]),
        ];
        let all = combinations(&a);
        assert_eq!(all.len(), 6);
        assert_eq!(all[0], vals(&[("size", "S"), ("colour", "red")]));
        assert_eq!(all[1], vals(&[("size", "S"), ("colour", "blue")]));
        assert_eq!(all[5], vals(&[("size", "M"), ("colour", "green")]));
        let distinct: HashSet<_> = all.iter().map(|m| format!("{m:?}")).collect();
        assert_eq!(distinct.len(), 6);
        assert!(combinations(&[]).is_empty());
    }

    #[test]
    fn default_sku_and_name_follow_attribute_order() {
        let a = [attr("size", &["M"]), attr("colour", &["Light blue"])];
        let v = vals(&[("colour", "Light blue"), ("size", "M")]);
        assert_eq!(default_sku("TEE", &a, &v), "TEE-M-LIGHT_BLUE");
        assert_eq!(default_name("T-shirt", &a, &v), "T-shirt (M, Light blue)");
    }

    #[test]
    fn attributes_in_use_cannot_lose_values_or_change_shape() {
        let used = [vals(&[("size", "M")])];
        assert!(still_covers(&[attr("size", &["S", "M", "L"])], &used).is_ok());
        assert!(still_covers(&[attr("size", &["S", "L"])], &used).is_err());
        assert!(still_covers(&[attr("size", &["M"]), attr("colour", &["red"])], &used).is_err());
        assert!(still_covers(&[], &used).is_err());
        assert!(still_covers(&[], &[]).is_ok());
    }
}
