#!/usr/bin/env python3
"""Merges the module drafts into course/glossary.toml and course/exams/exam-1.toml."""
import os, re

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
modules = ["sustainability-in-tech", "measuring-carbon", "circular-economy", "take-back-and-reuse"]

seen = {}
glossary = ["# Terms lessons link as [text](glossary:<id>); one definition per term of art.\n"]
for module in modules:
    path = f"{root}/course-drafts/{module}-glossary.toml"
    if not os.path.exists(path):
        print(f"no glossary draft for {module}")
        continue
    for block in re.split(r"(?m)^(?=\[\[terms\]\])", open(path).read()):
        if not block.startswith("[[terms]]"):
            continue
        term_id = re.search(r'(?m)^id = "([^"]+)"', block).group(1)
        if term_id in seen:
            print(f"duplicate term {term_id}: kept {seen[term_id]}'s, dropped {module}'s")
            continue
        seen[term_id] = module
        glossary.append("\n" + block.strip() + "\n")
open(f"{root}/course/glossary.toml", "w").write("".join(glossary))

exam = ['''# Specialization exam 1: modules 1–4. docs/authoring.md ("Exams") documents every field.
# 40 questions, 10 from each module, drawn from the bank below by the blueprint.
instructions = """
Forty questions on modules 1 to 4, ten from each module. You have 75 minutes and need
70 % to pass. You have three attempts; after a failed attempt the next one opens 24 hours
later. After submitting you see your score per objective and the explanations; the right
answers are shown once you have passed.
"""
time_limit_minutes = 75
pass_mark_percent = 70
attempts_allowed = 3
retry_wait_minutes = 1440

[review]
score = true
objectives = true
wrong_answers = true
correct_answers = false
correct_answers_when_passed = true
explanations = true
''']
for module in modules:
    exam.append(f'\n[[blueprint]]\nmodule = "{module}"\ncount = 10\n')
for module in modules:
    path = f"{root}/course-drafts/{module}-questions.toml"
    if os.path.exists(path):
        exam.append("\n" + open(path).read().strip() + "\n")
    else:
        print(f"no question draft for {module}")
open(f"{root}/course/exams/exam-1.toml", "w").write("".join(exam))
print("merged")
