//! What the charts draw from, in one pass: hours × weekdays, days, and days per person.

use super::activity::Activity;
use super::timeline::{Bucket, Timeline};
use super::{Accumulator, Observation};

/// Everything the charts draw from, in one pass.
#[derive(Debug)]
pub struct Overview {
    /// Hours × weekdays and days.
    pub activity: Activity,
    /// Per-person days.
    pub timeline: Timeline,
}

impl Accumulator for Overview {
    fn observe(&mut self, o: &Observation<'_, '_>) {
        self.activity.observe(o);
        self.timeline.observe(o);
    }
    fn merge(&mut self, later: Overview) {
        self.activity.merge(later.activity);
        self.timeline.merge(later.timeline);
    }
}

impl Overview {
    /// An empty overview.
    pub fn new() -> Overview {
        Overview {
            activity: Activity::default(),
            timeline: Timeline::new(Bucket::Day),
        }
    }
}

impl Default for Overview {
    fn default() -> Overview {
        Overview::new()
    }
}
