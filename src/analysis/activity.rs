//! When people write: an hour-of-day × weekday grid and messages per local day, in the
//! output zone (for the heatmap and calendar charts).

use super::{Accumulator, FastMap, Observation};

/// The activity accumulator.
#[derive(Clone, Debug, Default)]
pub struct Activity {
    /// Messages per weekday (Monday first) and local hour.
    pub grid: [[u64; 24]; 7],
    /// Messages per local day (days since 1970-01-01).
    pub days: FastMap<i64, u64>,
}

impl Activity {
    /// Messages per day, in day order.
    pub fn daily(&self) -> Vec<(i64, u64)> {
        let mut v: Vec<(i64, u64)> = self.days.iter().map(|(d, n)| (*d, *n)).collect();
        v.sort_unstable();
        v
    }

    /// All messages counted.
    pub fn total(&self) -> u64 {
        self.grid.iter().flatten().sum()
    }
}

impl Accumulator for Activity {
    #[inline]
    fn observe(&mut self, o: &Observation<'_, '_>) {
        self.grid[usize::from(o.local.weekday)][o.local.hour() as usize] += 1;
        *self.days.entry(o.local.days).or_default() += 1;
    }

    fn merge(&mut self, later: Activity) {
        for (a, b) in self
            .grid
            .iter_mut()
            .flatten()
            .zip(later.grid.iter().flatten())
        {
            *a += b;
        }
        for (d, n) in later.days {
            *self.days.entry(d).or_default() += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::LocalTime;
    use crate::model::{Loc, Message, Timestamp};
    use std::borrow::Cow;

    #[test]
    fn grid_and_days_are_counted_in_local_time_and_merge() {
        // 2021-06-02T01:15:09Z: Wednesday 09:15 at +08:00.
        let m = Message::new(
            Timestamp::from_unix_seconds(1_622_596_509),
            "a",
            Cow::Borrowed("x"),
            Loc::default(),
        );
        let o = Observation {
            message: &m,
            person: "a",
            recipient: None,
            local: LocalTime::at(m.time.micros, 8 * 3600),
            topics: Default::default(),
        };
        let mut a = Activity::default();
        a.observe(&o);
        let mut b = Activity::default();
        b.observe(&o);
        a.merge(b);
        assert_eq!(a.grid[2][9], 2);
        assert_eq!(a.total(), 2);
        assert_eq!(
            a.daily(),
            vec![(crate::time::days_from_civil(2021, 6, 2), 2)]
        );
    }
}
