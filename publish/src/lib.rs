//! specialist-publish: compiles the course as authors write it (course/) into the published
//! bundle: manifest.json, one sanitized HTML fragment per lesson, the glossary, a search
//! index, the media and one exam file per exam (with its sealed review file), all but the
//! manifest under content-hashed names.
//!
//! Runs at build time only (Trunk's pre-build hook, `cargo xtask course check`). It finds
//! every problem in one pass and reports each as `path:line:column: message`.

mod blocks;
mod diagnostics;
mod exam;
mod glossary;
mod lesson;
mod sanitize;
mod search;
mod source;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use specialist_core::certificate::ExamAuthority;
use specialist_core::exam::seal::{sha256_hex, to_hex};
use specialist_core::manifest::{
    CompletionRules, CourseManifest, ExamSummary, LessonSummary, MANIFEST_FORMAT, ModuleSummary,
    Objective,
};

pub use diagnostics::PublishError;
use diagnostics::{Diagnostics, SourceFile};
pub use exam::EXAMS_FOLDER;
pub use lesson::WORDS_PER_MINUTE;

/// The name of the course description file inside a course directory.
pub const COURSE_FILE: &str = "course.toml";
/// The glossary file inside a course directory (optional).
pub const GLOSSARY_FILE: &str = "glossary.toml";
/// How far the published minutes may stray from the course's target, and a module's
/// lessons from its planned minutes, in percent.
pub const MINUTES_TOLERANCE_PERCENT: u32 = 5;

/// How to publish a course.
#[derive(Clone)]
pub struct PublishOptions {
    /// The secret of this build, mixed into every question's seal salt, the published
    /// order of ordering and matching items, and the review cipher. [`compile`] and
    /// [`publish`] derive it from the course source ([`PublishOptions::from_source`]), so
    /// the same source always publishes the same bytes: the server, compiling the course
    /// it was started with, then holds exactly the published exams the learner sat and
    /// the same content hash. Tests fix it to keep their output independent of the source.
    pub build_salt: [u8; 32],
}

impl PublishOptions {
    /// Options whose build salt is SHA-256 over every file of the course source (relative
    /// path and bytes, in path order). Knowing the salt reveals nothing without the source,
    /// and any change to the source changes every seal and order.
    pub fn from_source(course_directory: &Path) -> Result<Self, Vec<PublishError>> {
        let mut files = Vec::new();
        collect_source_files(course_directory, course_directory, &mut files).map_err(
            |(path, error)| {
                vec![PublishError {
                    path,
                    line: None,
                    column: None,
                    message: format!("cannot read the course source: {error}"),
                }]
            },
        )?;
        files.sort();
        let mut hasher = Sha256::new();
        hasher.update(b"specialist build salt v1");
        for (relative, bytes) in &files {
            hasher.update(relative.as_bytes());
            hasher.update([0]);
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        }
        Ok(Self {
            build_salt: hasher.finalize().into(),
        })
    }
}

/// Every regular file under `folder` (hidden files and folders skipped), as
/// (path relative to `root` with `/` separators, bytes).
fn collect_source_files(
    root: &Path,
    folder: &Path,
    found: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), (PathBuf, std::io::Error)> {
    let entries = std::fs::read_dir(folder).map_err(|error| (folder.to_path_buf(), error))?;
    for entry in entries {
        let entry = entry.map_err(|error| (folder.to_path_buf(), error))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(|error| (path.clone(), error))?;
        if kind.is_dir() {
            collect_source_files(root, &path, found)?;
        } else if kind.is_file() {
            let bytes = std::fs::read(&path).map_err(|error| (path.clone(), error))?;
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|component| component.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            found.push((relative, bytes));
        }
    }
    Ok(())
}

/// A compiled course: the manifest and every file to publish, by path relative to the output folder.
#[derive(Debug)]
pub struct Published {
    /// The manifest, also among `files` as `manifest.json`.
    pub manifest: CourseManifest,
    /// Relative path → bytes, in path order.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Every exam as published, with its plaintext keys: what the server re-grades
    /// against. Never written to the bundle.
    pub exams: Vec<ExamAuthority>,
}

/// `name-<16 hex of SHA-256>.ext`: a name that changes whenever the content does, so it can be cached forever.
fn hashed_name(path: &str, bytes: &[u8]) -> String {
    let digest = sha256_hex(bytes);
    let (stem, extension) = match path.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() && !extension.contains('/') => {
            (stem, Some(extension))
        }
        _ => (path, None),
    };
    match extension {
        Some(extension) => format!("{stem}-{}.{extension}", &digest[..16]),
        None => format!("{stem}-{}", &digest[..16]),
    }
}

/// Every media file under `course/media`, as (source path `media/…`, bytes).
fn media_files(course_directory: &Path, diagnostics: &mut Diagnostics) -> Vec<(String, Vec<u8>)> {
    let root = course_directory.join("media");
    let mut found = Vec::new();
    let mut pending = vec![root];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(course_directory)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            match std::fs::read(&path) {
                Ok(bytes) => found.push((relative, bytes)),
                Err(error) => {
                    diagnostics.file(&path, format!("cannot read the media file: {error}"))
                }
            }
        }
    }
    found.sort();
    found
}

/// Every exam file under `course/exams`, as (exam id, path), in id order.
fn exam_files(course_directory: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(course_directory.join(EXAMS_FOLDER)) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && path
                    .extension()
                    .is_some_and(|extension| extension == "toml")
        })
        .filter_map(|path| {
            let id = path.file_stem()?.to_str()?.to_string();
            Some((id, path))
        })
        .collect();
    found.sort();
    found
}

/// Compiles the course in `course_directory` with the build salt its source gives, reporting every problem found.
pub fn compile(course_directory: &Path) -> Result<Published, Vec<PublishError>> {
    compile_with(
        course_directory,
        &PublishOptions::from_source(course_directory)?,
    )
}

/// Compiles the course in `course_directory` with `options`, reporting every problem found.
pub fn compile_with(
    course_directory: &Path,
    options: &PublishOptions,
) -> Result<Published, Vec<PublishError>> {
    let mut diagnostics = Diagnostics::default();
    let course_path = course_directory.join(COURSE_FILE);
    let Some(course_file) = SourceFile::read(&course_path, &mut diagnostics, "course file") else {
        return Err(diagnostics.into_sorted());
    };
    let Some(course) = source::CourseSource::parse(&course_file, &mut diagnostics) else {
        return Err(diagnostics.into_sorted());
    };
    course.check(&course_file, &mut diagnostics);

    let glossary_path = course_directory.join(GLOSSARY_FILE);
    let terms = if glossary_path.exists() {
        SourceFile::read(&glossary_path, &mut diagnostics, "glossary")
            .map(|file| glossary::compile(&file, &mut diagnostics))
            .unwrap_or_default()
    } else {
        Vec::new()
    };

    let mut files = BTreeMap::new();
    let mut media_urls = HashMap::new();
    for (source_path, bytes) in media_files(course_directory, &mut diagnostics) {
        let published = hashed_name(&source_path, &bytes);
        media_urls.insert(
            source_path,
            format!("{}{published}", specialist_core::manifest::COURSE_FOLDER),
        );
        files.insert(published, bytes);
    }

    let lesson_ids: HashSet<String> = course
        .modules
        .iter()
        .flat_map(|module| module.lessons.iter().map(|lesson| lesson.get_ref().clone()))
        .collect();
    let glossary_ids: HashSet<String> = terms.iter().map(|term| term.entry.id.clone()).collect();
    let objective_ids: HashSet<String> = course
        .objectives
        .iter()
        .map(|objective| objective.id.get_ref().clone())
        .collect();
    let context = lesson::Context {
        lessons: &lesson_ids,
        glossary: &glossary_ids,
        objectives: &objective_ids,
        media: &media_urls,
    };

    let mut compiled_lessons = Vec::new();
    let mut modules = Vec::new();
    for module in &course.modules {
        let mut lessons = Vec::new();
        for lesson_id in &module.lessons {
            let path = source::lesson_path(course_directory, lesson_id.get_ref());
            let Ok(text) = std::fs::read_to_string(&path) else {
                diagnostics.at(
                    &course_file,
                    lesson_id.span().start,
                    format!(
                        "missing lesson file: lessons/{}.md does not exist or cannot be read",
                        lesson_id.get_ref()
                    ),
                );
                continue;
            };
            let file = SourceFile { path, text };
            let Some(compiled) =
                lesson::compile(&file, lesson_id.get_ref(), &context, &mut diagnostics)
            else {
                continue;
            };
            let fragment_path = hashed_name(
                &format!("lessons/{}.html", compiled.id),
                compiled.html.as_bytes(),
            );
            files.insert(fragment_path.clone(), compiled.html.clone().into_bytes());
            let (reading_minutes, activity_minutes) =
                (compiled.reading_minutes(), compiled.activity_minutes());
            lessons.push(LessonSummary {
                id: compiled.id.clone(),
                title: compiled.title.clone(),
                file: fragment_path,
                reading_minutes,
                activity_minutes,
                minutes: reading_minutes + activity_minutes,
                objectives: compiled.objectives.clone(),
                required: compiled.required,
                checks: compiled.checks.clone(),
                activities: compiled.activities.clone(),
            });
            compiled_lessons.push(compiled);
        }
        let planned_minutes = module
            .minutes
            .as_ref()
            .map_or(0, |minutes| *minutes.get_ref());
        let computed: u32 = lessons.iter().map(|lesson| lesson.minutes).sum();
        if let Some(minutes) = &module.minutes
            && !module.planned
            && !lessons.is_empty()
            && computed.abs_diff(planned_minutes) * 100
                > planned_minutes * MINUTES_TOLERANCE_PERCENT
        {
            let slack = planned_minutes * MINUTES_TOLERANCE_PERCENT / 100;
            diagnostics.at(
                &course_file,
                minutes.span().start,
                format!(
                    "module {:?}: its lessons add up to {computed} minutes, more than {MINUTES_TOLERANCE_PERCENT} % off the planned {planned_minutes} (allowed {}–{})",
                    module.id.get_ref(),
                    planned_minutes - slack,
                    planned_minutes + slack
                ),
            );
        }
        modules.push(ModuleSummary {
            id: module.id.get_ref().clone(),
            title: module.title.clone(),
            description: module.description.clone(),
            minutes: if module.planned {
                planned_minutes
            } else {
                computed
            },
            planned_minutes,
            planned: module.planned,
            lessons,
        });
    }

    let planned_modules: HashSet<&str> = course
        .modules
        .iter()
        .filter(|module| module.planned)
        .map(|module| module.id.get_ref().as_str())
        .collect();
    for objective in &course.objectives {
        // A planned module's objectives are taught once its lessons are written.
        if planned_modules.contains(objective.module.get_ref().as_str()) {
            continue;
        }
        let taught = compiled_lessons
            .iter()
            .any(|lesson| lesson.objectives.contains(objective.id.get_ref()));
        if !taught {
            diagnostics.at(
                &course_file,
                objective.id.span().start,
                format!(
                    "objective {:?} is taught by no lesson; list it in a lesson's objectives",
                    objective.id.get_ref()
                ),
            );
        }
    }

    let objective_modules: HashMap<String, String> = course
        .objectives
        .iter()
        .map(|objective| {
            (
                objective.id.get_ref().clone(),
                objective.module.get_ref().clone(),
            )
        })
        .collect();
    let module_ids: HashSet<String> = course
        .modules
        .iter()
        .map(|module| module.id.get_ref().clone())
        .collect();
    let exam_context = exam::Context {
        content: &context,
        objective_modules: &objective_modules,
        modules: &module_ids,
    };
    let mut exams = Vec::new();
    let mut authorities = Vec::new();
    for declared in &course.exams {
        let id = declared.id.get_ref();
        // A malformed id is reported by the course checks and must not become a path.
        if !source::is_valid_identifier(id) {
            continue;
        }
        if declared.planned {
            exams.push(ExamSummary {
                id: id.clone(),
                title: declared.title.clone(),
                file: String::new(),
                question_count: 0,
                time_limit_minutes: 0,
                pass_mark_percent: 0,
                attempts_allowed: 0,
                planned: true,
            });
            continue;
        }
        let path = course_directory
            .join(EXAMS_FOLDER)
            .join(format!("{id}.toml"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            diagnostics.at(
                &course_file,
                declared.id.span().start,
                format!("missing exam file: {EXAMS_FOLDER}/{id}.toml does not exist or cannot be read; it holds the exam's settings, blueprint and questions"),
            );
            continue;
        };
        let file = SourceFile { path, text };
        if let Some(compiled) = exam::compile(
            &file,
            id,
            &declared.title,
            &exam_context,
            &options.build_salt,
            &mut diagnostics,
        ) {
            files.extend(compiled.files);
            exams.push(compiled.summary);
            authorities.push(compiled.authority);
        }
    }
    for (id, path) in exam_files(course_directory) {
        if !course
            .exams
            .iter()
            .any(|declared| declared.id.get_ref() == &id)
        {
            diagnostics.at(
                &SourceFile {
                    path,
                    text: String::new(),
                },
                0,
                format!("exam file {EXAMS_FOLDER}/{id}.toml is not declared in course.toml; add an [[exams]] table with id = {id:?} and a title, or remove the file"),
            );
        }
    }

    let total_minutes: u32 = modules.iter().map(|module| module.minutes).sum();
    let target = *course.target_minutes.get_ref();
    if total_minutes.abs_diff(target) * 100 > target * MINUTES_TOLERANCE_PERCENT {
        let slack = target * MINUTES_TOLERANCE_PERCENT / 100;
        diagnostics.at(
            &course_file,
            course.target_minutes.span().start,
            format!(
                "the modules add up to {total_minutes} minutes (planned modules at their planned minutes), more than {MINUTES_TOLERANCE_PERCENT} % off the target of {target} (allowed {}–{})",
                target - slack,
                target + slack
            ),
        );
    }

    if !diagnostics.is_empty() {
        return Err(diagnostics.into_sorted());
    }

    let entries: Vec<_> = terms.iter().map(|term| &term.entry).collect();
    let glossary_json = serde_json::to_vec(&entries).expect("terms serialize");
    let glossary_file = hashed_name("glossary.json", &glossary_json);
    files.insert(glossary_file.clone(), glossary_json);
    let search_json = serde_json::to_vec(&search::build(compiled_lessons.iter(), &terms))
        .expect("the index serializes");
    let search_file = hashed_name("search.json", &search_json);
    files.insert(search_file.clone(), search_json);

    let mut content = Sha256::new();
    for (path, bytes) in &files {
        content.update(path.as_bytes());
        content.update([0]);
        content.update(bytes);
    }
    let manifest = CourseManifest {
        format: MANIFEST_FORMAT,
        id: course.id.get_ref().clone(),
        version: course.version.clone(),
        content_hash: to_hex(&content.finalize()),
        title: course.title.clone(),
        description: course.description.clone(),
        audience: course.audience.clone(),
        language: course.language.clone(),
        target_minutes: target,
        total_minutes,
        objectives: course
            .objectives
            .iter()
            .map(|objective| Objective {
                id: objective.id.get_ref().clone(),
                module: objective.module.get_ref().clone(),
                text: objective.text.clone(),
            })
            .collect(),
        modules,
        exams,
        completion: CompletionRules {
            all_required_lessons: course.completion.all_required_lessons,
            exams_passed: course
                .completion
                .exams_passed
                .iter()
                .map(|exam| exam.get_ref().clone())
                .collect(),
        },
        glossary_file,
        search_file,
    };
    files.insert(
        "manifest.json".into(),
        serde_json::to_vec(&manifest).expect("the manifest serializes"),
    );
    Ok(Published {
        manifest,
        files,
        exams: authorities,
    })
}

/// Compiles the course with the build salt its source gives and writes every published file
/// into `output_directory` (created if missing).
pub fn publish(
    course_directory: &Path,
    output_directory: &Path,
) -> Result<Published, Vec<PublishError>> {
    publish_with(
        course_directory,
        output_directory,
        &PublishOptions::from_source(course_directory)?,
    )
}

/// Compiles the course with `options` and writes every published file into
/// `output_directory` (created if missing).
pub fn publish_with(
    course_directory: &Path,
    output_directory: &Path,
    options: &PublishOptions,
) -> Result<Published, Vec<PublishError>> {
    let published = compile_with(course_directory, options)?;
    for (relative, bytes) in &published.files {
        let path: PathBuf = output_directory.join(relative);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, bytes));
        if let Err(error) = written {
            return Err(vec![PublishError {
                path,
                line: None,
                column: None,
                message: format!("cannot write: {error}"),
            }]);
        }
    }
    Ok(published)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_keep_folder_and_extension_and_follow_the_content() {
        let first = hashed_name("lessons/intro.html", b"one");
        assert!(
            first.starts_with("lessons/intro-") && first.ends_with(".html"),
            "{first}"
        );
        assert_eq!(first.len(), "lessons/intro-".len() + 16 + ".html".len());
        assert_eq!(first, hashed_name("lessons/intro.html", b"one"));
        assert_ne!(first, hashed_name("lessons/intro.html", b"two"));
        assert!(hashed_name("media/LICENSE", b"x").starts_with("media/LICENSE-"));
    }
}
