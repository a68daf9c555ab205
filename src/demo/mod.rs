//! `zkagg demo`: a whole consortium as separate processes on loopback, a
//! progress display, a final table of per-phase times and bytes per party,
//! plots, and the audit verdict.

pub mod bundled;
pub mod plot;
pub mod progress;
pub mod run;
pub mod watch;

use crate::aggregation::PartyId;
use run::Outcome;
use std::fmt::Write as _;

/// The final table: per-round phase times, then public bytes per party.
pub fn table(o: &Outcome) -> String {
    let mut t = String::new();
    let names: Vec<&str> = watch::PHASES.to_vec();
    let _ = write!(t, "{:>6}", "round");
    for n in &names {
        let _ = write!(t, " {:>16}", format!("{n} (s)"));
    }
    let _ = writeln!(t, " {:>10}", "total (s)");
    for r in &o.phases {
        let _ = write!(t, "{:>6}", r.round);
        let mut total = 0.0;
        for n in &names {
            let v = r.phases.iter().find(|p| p.0 == *n).map_or(0.0, |p| p.1);
            total += v;
            let _ = write!(t, " {v:>16.3}");
        }
        let _ = writeln!(t, " {total:>10.3}");
    }
    let _ = writeln!(t);
    let _ = writeln!(
        t,
        "{:<14} {:>8} {:>14}",
        "party", "entries", "bulletin bytes"
    );
    for (p, entries, bytes) in &o.posted {
        let name = match p {
            PartyId::Coordinator => "coordinator".to_string(),
            PartyId::Aggregator(s) => format!("aggregator {}", s.0),
            PartyId::Provider(i) => format!("provider {}", i.0),
        };
        let _ = writeln!(t, "{name:<14} {entries:>8} {bytes:>14}");
    }
    let _ = writeln!(t);
    let _ = writeln!(
        t,
        "{:<14} {:>14} {:>14} {:>14} {:>9} {:>10}",
        "process", "wire sent", "wire received", "payload sent", "CPU (s)", "RSS (MiB)"
    );
    for (name, m) in &o.processes {
        let cpu = m
            .cpu_ms
            .map_or("-".into(), |c| format!("{:.2}", c as f64 / 1000.0));
        let rss = m
            .max_rss_kib
            .map_or("-".into(), |k| format!("{:.1}", k as f64 / 1024.0));
        let _ = writeln!(
            t,
            "{name:<14} {:>14} {:>14} {:>14} {cpu:>9} {rss:>10}",
            m.wire_sent, m.wire_received, m.payload_sent
        );
    }
    t
}
