//! `elevate`: serve | worker | migrate | seed-demo | openapi.

fn main() -> std::process::ExitCode {
    elevate_backend::cli::main()
}
