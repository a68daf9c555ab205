//! The `zkagg` command-line tool (minimal for now).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--version") | Some("-V") => {
            println!("zkagg {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("constraints") => {
            // Constraint counts of the range-check circuit, per gadget.
            let d: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
            let mut c = zkagg::zk::r1cs::ConstraintCounter::new();
            use zkagg::zk::r1cs::Circuit;
            match zkagg::zk::circuits::RangeCheckCircuit::shape(d, 16).synthesize(&mut c) {
                Ok(()) => {
                    print!("{}", c.report());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("usage: zkagg --version | zkagg constraints [D]");
            ExitCode::from(2)
        }
    }
}
