//! Launcher for the ElevateCRM phone app. On desktop this opens a phone-sized window;
//! with `dx build --platform web|android|ios` the matching feature's launcher is used.

fn main() {
    #[cfg(feature = "desktop")]
    elevate_mobile::platform::desktop::launch();

    #[cfg(all(not(feature = "desktop"), feature = "web", target_arch = "wasm32"))]
    elevate_mobile::platform::web::launch();

    #[cfg(all(
        not(feature = "desktop"),
        any(feature = "web", feature = "mobile"),
        not(all(feature = "web", target_arch = "wasm32"))
    ))]
    dioxus::launch(elevate_mobile::App);

    #[cfg(not(any(feature = "desktop", feature = "web", feature = "mobile")))]
    {
        eprintln!(
            "elevate-mobile was built without a renderer: enable `desktop`, `web` or `mobile`"
        );
        std::process::exit(2);
    }
}
