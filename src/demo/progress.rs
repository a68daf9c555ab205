//! The demo's progress display: on a terminal, one bar for the rounds and
//! one for the phases of the current round (indicatif); otherwise one plain
//! line per event, so logs and CI output stay readable.

use crate::demo::watch::Event;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
pub struct Progress {
    bars: Option<Bars>,
    providers: u64,
    aggregators: u64,
}

struct Bars {
    multi: MultiProgress,
    rounds: ProgressBar,
    phase: ProgressBar,
}

impl Progress {
    /// Bars on stderr when `terminal`, else plain lines on stdout.
    pub fn new(rounds: u64, providers: u64, aggregators: u64, terminal: bool) -> Progress {
        let bars = terminal.then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let style = |t: &str| {
                ProgressStyle::with_template(t).unwrap_or_else(|_| ProgressStyle::default_bar())
            };
            let rounds_bar = multi.add(ProgressBar::new(rounds));
            rounds_bar.set_style(style(
                "{prefix:>8} [{elapsed_precise}] {bar:32.cyan/blue} {pos}/{len} {msg}",
            ));
            rounds_bar.set_prefix("rounds");
            let phase = multi.add(ProgressBar::new(Self::steps(providers, aggregators)));
            phase.set_style(style("{prefix:>8} {bar:32.green/white} {pos}/{len} {msg}"));
            phase.set_prefix("round");
            phase.set_message("registering");
            Bars {
                multi,
                rounds: rounds_bar,
                phase,
            }
        });
        Progress {
            bars,
            providers,
            aggregators,
        }
    }

    /// Bulletin entries of one round: contributions, accepted sets,
    /// partial sums and the close.
    fn steps(providers: u64, aggregators: u64) -> u64 {
        providers + 2 * aggregators + 1
    }

    /// Prints a line above the bars (or on stdout).
    pub fn println(&self, line: &str) {
        match &self.bars {
            Some(b) => {
                if b.multi.println(line).is_err() {
                    eprintln!("{line}");
                }
            }
            None => println!("{line}"),
        }
    }

    /// Shows one event.
    pub fn event(&mut self, e: &Event) {
        let (p, s) = (self.providers, self.aggregators);
        let Some(b) = &self.bars else {
            self.println(&Self::line(e, p, s));
            return;
        };
        match e {
            Event::Registered { count, .. } => {
                b.phase.set_message(format!("registered {count}/{p}"));
            }
            Event::Opened { round } => {
                b.phase.reset();
                b.phase.set_length(Self::steps(p, s));
                b.phase.set_prefix(format!("round {round}"));
                b.phase.set_message("collect: providers train and prove");
            }
            Event::Contribution { count, .. } => {
                b.phase.inc(1);
                b.phase
                    .set_message(format!("collect: {count}/{p} contributions"));
            }
            Event::AcceptedSet { count, .. } => {
                b.phase.inc(1);
                b.phase
                    .set_message(format!("verify + decide: {count}/{s} accepted sets"));
            }
            Event::PartialSum { count, .. } => {
                b.phase.inc(1);
                b.phase
                    .set_message(format!("sum: {count}/{s} partial sums"));
            }
            Event::Closed { .. } => {
                b.phase.set_position(Self::steps(p, s));
                b.rounds.inc(1);
                self.println(&Self::line(e, p, s));
            }
        }
    }

    /// One plain line for an event.
    fn line(e: &Event, p: u64, s: u64) -> String {
        match e {
            Event::Registered { provider, count } => {
                format!("registration: provider {} ({count}/{p})", provider.0)
            }
            Event::Opened { round } => format!("round {round}: open"),
            Event::Contribution {
                round,
                provider,
                count,
            } => format!(
                "round {round}: contribution of provider {} ({count}/{p})",
                provider.0
            ),
            Event::AcceptedSet {
                round,
                aggregator,
                accepted,
                rejected,
                count,
            } => format!(
                "round {round}: aggregator {} accepted {accepted}, rejected {rejected} ({count}/{s})",
                aggregator.0
            ),
            Event::PartialSum {
                round,
                aggregator,
                count,
            } => format!(
                "round {round}: partial sum of aggregator {} ({count}/{s})",
                aggregator.0
            ),
            Event::Closed {
                round,
                accepted,
                released,
                reason,
            } => match released {
                Some(_) => format!(
                    "round {round}: released, {} providers in the sum",
                    accepted.len()
                ),
                None => format!("round {round}: aborted ({reason})"),
            },
        }
    }

    /// Sets the line under the rounds bar (the latest metric, say).
    pub fn status(&self, msg: String) {
        match &self.bars {
            Some(b) => b.rounds.set_message(msg),
            None => println!("{msg}"),
        }
    }

    /// Removes the bars.
    pub fn finish(&self) {
        if let Some(b) = &self.bars {
            b.phase.finish_and_clear();
            b.rounds.finish();
        }
    }
}
