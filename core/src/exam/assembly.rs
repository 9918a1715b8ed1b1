//! Assembling an attempt from a question bank by a seed: the same seed rebuilds the same
//! questions, question order and option order, and the blueprint is always met.

use serde::{Deserialize, Serialize};

use super::random::SeededRandom;

/// What assembly needs to know of a bank question (its content stays in the bank).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankEntry {
    /// The question id.
    pub id: String,
    /// The objective the question tests.
    pub objective: String,
    /// The module that owns that objective.
    pub module: String,
    /// For each option, whether it keeps its place when options shuffle ("All of the above").
    pub fixed_options: Vec<bool>,
}

/// Which questions a blueprint rule draws from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Questions testing this objective.
    Objective(String),
    /// Questions of objectives owned by this module.
    Module(String),
}

/// Draw `count` questions from `scope`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlueprintRule {
    /// Where to draw from.
    pub scope: Scope,
    /// How many questions.
    pub count: usize,
}

/// One question of an assembled attempt.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AssembledQuestion {
    /// The question id in the bank.
    pub id: String,
    /// Bank option indexes in the order the learner sees them.
    pub option_order: Vec<u8>,
}

/// Why an attempt cannot be assembled (the publisher reports these at build time too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlueprintShortfall {
    /// The rule, in blueprint order (0-based).
    pub rule: usize,
    /// Questions the rule asks for.
    pub wanted: usize,
    /// Questions still available in its scope after the earlier rules drew theirs.
    pub available: usize,
}

impl std::fmt::Display for BlueprintShortfall {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "blueprint rule {} asks for {} questions but its scope has only {} left",
            self.rule + 1,
            self.wanted,
            self.available
        )
    }
}

fn in_scope(entry: &BankEntry, scope: &Scope) -> bool {
    match scope {
        Scope::Objective(objective) => &entry.objective == objective,
        Scope::Module(module) => &entry.module == module,
    }
}

/// Draws the questions each rule asks for, in rule order, each question at most once
/// (a question drawn by an earlier rule is not available to a later one), then shuffles
/// the question order and each question's options, fixed options keeping their place.
pub fn assemble(
    bank: &[BankEntry],
    blueprint: &[BlueprintRule],
    seed: u64,
) -> Result<Vec<AssembledQuestion>, BlueprintShortfall> {
    let mut random = SeededRandom::new(seed);
    let mut taken = vec![false; bank.len()];
    let mut drawn = Vec::new();
    for (rule_index, rule) in blueprint.iter().enumerate() {
        let mut candidates: Vec<usize> = (0..bank.len())
            .filter(|&index| !taken[index] && in_scope(&bank[index], &rule.scope))
            .collect();
        if candidates.len() < rule.count {
            return Err(BlueprintShortfall {
                rule: rule_index,
                wanted: rule.count,
                available: candidates.len(),
            });
        }
        random.shuffle(&mut candidates);
        for &index in &candidates[..rule.count] {
            taken[index] = true;
            drawn.push(index);
        }
    }
    random.shuffle(&mut drawn);
    Ok(drawn
        .into_iter()
        .map(|index| {
            let entry = &bank[index];
            AssembledQuestion {
                id: entry.id.clone(),
                option_order: shuffle_options(&entry.fixed_options, &mut random),
            }
        })
        .collect())
}

/// Shuffles option indexes among the movable positions; fixed options stay where they are.
fn shuffle_options(fixed: &[bool], random: &mut SeededRandom) -> Vec<u8> {
    let mut order: Vec<u8> = (0..fixed.len())
        .map(|index| u8::try_from(index).expect("a question has at most 255 options"))
        .collect();
    let movable_positions: Vec<usize> = (0..fixed.len()).filter(|&index| !fixed[index]).collect();
    let mut movable_values: Vec<u8> = movable_positions
        .iter()
        .map(|&position| order[position])
        .collect();
    random.shuffle(&mut movable_values);
    for (position, value) in movable_positions.into_iter().zip(movable_values) {
        order[position] = value;
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn entry(id: usize, objective: usize, options: usize, fixed_last: bool) -> BankEntry {
        BankEntry {
            id: format!("q{id}"),
            objective: format!("o{objective}"),
            module: format!("m{}", objective / 2),
            fixed_options: (0..options)
                .map(|option| fixed_last && option + 1 == options)
                .collect(),
        }
    }

    fn bank() -> Vec<BankEntry> {
        (0..30)
            .map(|id| entry(id, id % 6, 4, id % 5 == 0))
            .collect()
    }

    #[test]
    fn a_shortfall_names_the_rule_and_the_numbers() {
        let rules = [
            BlueprintRule {
                scope: Scope::Objective("o1".into()),
                count: 4,
            },
            BlueprintRule {
                scope: Scope::Module("m0".into()),
                count: 7,
            },
        ];
        let error = assemble(&bank(), &rules, 1).unwrap_err();
        assert_eq!(
            error,
            BlueprintShortfall {
                rule: 1,
                wanted: 7,
                available: 6
            }
        );
        assert_eq!(
            error.to_string(),
            "blueprint rule 2 asks for 7 questions but its scope has only 6 left"
        );
    }

    /// Kuhn's augmenting path: finds a drawn question for `slot`, moving earlier slots if needed.
    fn augment(
        slot: usize,
        slots: &[&Scope],
        drawn: &[&BankEntry],
        owner: &mut [Option<usize>],
        visited: &mut [bool],
    ) -> bool {
        for question in 0..drawn.len() {
            if visited[question] || !in_scope(drawn[question], slots[slot]) {
                continue;
            }
            visited[question] = true;
            if owner[question].is_none_or(|other| augment(other, slots, drawn, owner, visited)) {
                owner[question] = Some(slot);
                return true;
            }
        }
        false
    }

    proptest! {
        /// Over random banks, blueprints and seeds: the same seed rebuilds the same attempt,
        /// every rule gets its count from its scope, no question repeats, options are a
        /// permutation with fixed options in place.
        #[test]
        fn assembly_is_deterministic_and_meets_the_blueprint(
            questions in proptest::collection::vec((0usize..8, 2usize..7, any::<bool>()), 1..60),
            wanted in proptest::collection::vec((0usize..8, any::<bool>(), 0usize..4), 0..6),
            seed in any::<u64>(),
        ) {
            let bank: Vec<BankEntry> = questions.iter().enumerate().map(|(id, &(objective, options, fixed))| entry(id, objective, options, fixed)).collect();
            let rules: Vec<BlueprintRule> = wanted
                .iter()
                .map(|&(target, by_module, count)| BlueprintRule {
                    scope: if by_module { Scope::Module(format!("m{}", target / 2)) } else { Scope::Objective(format!("o{target}")) },
                    count,
                })
                .collect();
            let first = assemble(&bank, &rules, seed);
            prop_assert_eq!(&first, &assemble(&bank, &rules, seed));
            let Ok(attempt) = first else { return Ok(()) };
            let ids: BTreeSet<&str> = attempt.iter().map(|question| question.id.as_str()).collect();
            prop_assert_eq!(ids.len(), attempt.len(), "no question twice");
            prop_assert_eq!(attempt.len(), rules.iter().map(|rule| rule.count).sum::<usize>());
            // Every rule's slots can be given distinct drawn questions of its scope (a
            // perfect bipartite matching, found with augmenting paths).
            let by_id: BTreeMap<&str, &BankEntry> = bank.iter().map(|entry| (entry.id.as_str(), entry)).collect();
            let drawn: Vec<&BankEntry> = attempt.iter().map(|question| by_id[question.id.as_str()]).collect();
            let slots: Vec<&Scope> = rules.iter().flat_map(|rule| std::iter::repeat_n(&rule.scope, rule.count)).collect();
            let mut owner: Vec<Option<usize>> = vec![None; drawn.len()];
            for slot in 0..slots.len() {
                let mut visited = vec![false; drawn.len()];
                prop_assert!(augment(slot, &slots, &drawn, &mut owner, &mut visited), "rule scope {:?} is not met", slots[slot]);
            }
            for question in &attempt {
                let fixed = &by_id[question.id.as_str()].fixed_options;
                let mut sorted = question.option_order.clone();
                sorted.sort_unstable();
                prop_assert_eq!(sorted, (0..u8::try_from(fixed.len()).unwrap()).collect::<Vec<_>>());
                for (position, is_fixed) in fixed.iter().enumerate() {
                    if *is_fixed {
                        prop_assert_eq!(usize::from(question.option_order[position]), position);
                    }
                }
            }
        }
    }

    #[test]
    fn different_seeds_give_different_attempts() {
        let rules = [
            BlueprintRule {
                scope: Scope::Module("m1".into()),
                count: 5,
            },
            BlueprintRule {
                scope: Scope::Objective("o0".into()),
                count: 3,
            },
        ];
        let attempts: BTreeSet<Vec<AssembledQuestion>> = (0..20)
            .map(|seed| assemble(&bank(), &rules, seed).unwrap())
            .collect();
        assert!(
            attempts.len() >= 19,
            "20 seeds gave only {} different attempts",
            attempts.len()
        );
    }
}
