//! The app's stylesheet: theme variables generated from [`crate::core::theme`] followed by
//! the static rules in `mobile/assets/app.css`.

use crate::core::theme::theme_css;
use std::sync::LazyLock;

const APP_CSS: &str = include_str!("../assets/app.css");

static STYLESHEET: LazyLock<String> = LazyLock::new(|| format!("{}{APP_CSS}", theme_css()));

/// The full stylesheet, built once per process.
pub fn stylesheet() -> &'static str {
    &STYLESHEET
}

/// Minimum touch-target size in CSS pixels (gloved fingers; WCAG 2.5.5 asks 44).
pub const MIN_TOUCH_TARGET_PX: u32 = 48;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interactive_elements_get_at_least_the_minimum_touch_target() {
        let css = stylesheet();
        let min = format!("--touch-min:{MIN_TOUCH_TARGET_PX}px");
        assert!(css.contains(&min), "touch target variable missing");
        // Every control rule must use the variable rather than a smaller literal.
        for selector in [".btn", ".field input", ".field select"] {
            let rule_start = css
                .find(&format!("{selector} {{"))
                .unwrap_or_else(|| panic!("{selector} missing"));
            let rule = &css[rule_start..rule_start + css[rule_start..].find('}').unwrap()];
            assert!(
                rule.contains("min-height: var(--touch-min)"),
                "{selector}: {rule}"
            );
        }
    }

    #[test]
    fn focus_is_visible() {
        let css = stylesheet();
        assert!(css.contains(":focus-visible"));
        assert!(css.contains("outline: 3px solid var(--focus)"));
    }
}
