#!/usr/bin/env python3
"""Checks one module of the course in isolation while the course is being written.

Usage: course-drafts/check-module.py <module-id>

Builds a scratch course in /tmp/scratch-<module>/ from course/course.toml (every other
module marked planned), the module's lessons from course/lessons/, its glossary draft
(course-drafts/<module>-glossary.toml) and its question draft
(course-drafts/<module>-questions.toml, published as exam-1 drawing 10 questions from the
module), then runs the real publisher on it and prints minutes and words per lesson.
"""
import json, os, re, shutil, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
module = sys.argv[1]
scratch = f"/tmp/scratch-{module}"
out = f"/tmp/scratch-out-{module}"
shutil.rmtree(scratch, ignore_errors=True)
shutil.rmtree(out, ignore_errors=True)
os.makedirs(f"{scratch}/lessons")
os.makedirs(f"{scratch}/exams")
shutil.copytree(f"{root}/course/media", f"{scratch}/media")

course = open(f"{root}/course/course.toml").read()
blocks = re.split(r"(?m)^(?=\[\[)", course)
kept = []
lessons = []
for block in blocks:
    if block.startswith("[[modules]]"):
        module_id = re.search(r'(?m)^id = "([^"]+)"', block).group(1)
        if module_id == module:
            lessons = re.findall(r'"([^"]+)"', re.search(r"(?m)^lessons = \[(.*)\]", block).group(1))
        elif "planned = true" not in block:
            block = re.sub(r"(?m)^lessons = .*\n", "planned = true\n", block)
    kept.append(block)
open(f"{scratch}/course.toml", "w").write("".join(kept))
for lesson in lessons:
    source = f"{root}/course/lessons/{lesson}.md"
    if os.path.exists(source):
        shutil.copy(source, f"{scratch}/lessons/")
glossary = f"{root}/course-drafts/{module}-glossary.toml"
if os.path.exists(glossary):
    shutil.copy(glossary, f"{scratch}/glossary.toml")
questions = f"{root}/course-drafts/{module}-questions.toml"
exam = f"""time_limit_minutes = 75
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

[[blueprint]]
module = "{module}"
count = 10

"""
if os.path.exists(questions):
    exam += open(questions).read()
open(f"{scratch}/exams/exam-1.toml", "w").write(exam)

publisher = f"{root}/target/debug/specialist-publish"
result = subprocess.run([publisher, scratch, out], capture_output=True, text=True)
print(result.stdout + result.stderr)
if os.path.exists(f"{out}/manifest.json"):
    manifest = json.load(open(f"{out}/manifest.json"))
    for m in manifest["modules"]:
        if m["id"] != module:
            continue
        print(f"module {module}: {m['minutes']} minutes computed")
        reading = 0
        for lesson in m["lessons"]:
            reading += lesson["reading_minutes"]
            print(f"  {lesson['id']}: {lesson['minutes']} min ({lesson['reading_minutes']} reading + {lesson['activity_minutes']} activities)")
        print(f"  reading share: {reading * 100 // max(m['minutes'], 1)} %")
sys.exit(result.returncode)
