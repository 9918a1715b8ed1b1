//! `cargo xtask dist`: the packages an admin serves or uploads, in target/dist: web.zip (the
//! static bundle for any web server), scorm12.zip, scorm2004.zip and cmi5.zip (the same
//! bundle with the standard's manifest, and for SCORM the schemas it names). Every manifest
//! is validated against the official XSDs with xmllint before the packages count as made.

use std::io::Write;
use std::path::{Path, PathBuf};

use specialist_core::exam::display::escape_html;
use specialist_core::lms::scaled_score;
use specialist_core::manifest::CourseManifest;

use crate::command::Failure;

/// Where the packages go.
pub const DIST_DIRECTORY: &str = "target/dist";

/// The official packaging schemas (xtask/lms-schemas/README.md says where they come from).
const SCHEMAS: &str = "xtask/lms-schemas";

/// What a package manifest says of the course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageCourse {
    /// The course id from course.toml.
    pub id: String,
    /// The course version.
    pub version: String,
    /// The course title.
    pub title: String,
    /// The course description.
    pub description: String,
    /// The course language (BCP 47).
    pub language: String,
    /// The pass mark the LMS holds the reported score to, in percent: the highest pass mark
    /// of the exams the course requires (the app reports the lowest of their best scores,
    /// so the LMS's pass agrees with "every required exam passed").
    pub mastery_percent: u32,
}

impl PackageCourse {
    /// From a published course manifest.
    pub fn from_manifest(manifest: &CourseManifest) -> Self {
        let mastery_percent = manifest
            .exams
            .iter()
            .filter(|exam| manifest.completion.exams_passed.contains(&exam.id))
            .map(|exam| exam.pass_mark_percent)
            .max()
            .unwrap_or(0);
        Self {
            id: manifest.id.clone(),
            version: manifest.version.clone(),
            title: manifest.title.clone(),
            description: manifest.description.clone(),
            language: manifest.language.clone(),
            mastery_percent,
        }
    }

    /// The cmi5 course IRI: stable across versions, so an LMS keeps registrations.
    fn course_iri(&self) -> String {
        format!("urn:specialist:course:{}", self.id)
    }
}

fn file_list(files: &[String]) -> String {
    files
        .iter()
        .map(|file| format!("      <file href=\"{}\"/>\n", escape_html(file)))
        .collect()
}

/// A SCORM identifier (xs:ID): letters, digits, `-`, `_` and `.`, starting with a letter.
fn identifier(course: &PackageCourse) -> String {
    let cleaned: String = course
        .id
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() || matches!(character, '-' | '_' | '.') {
                character
            } else {
                '-'
            }
        })
        .collect();
    format!("specialist-{cleaned}")
}

/// imsmanifest.xml for SCORM 1.2: one SCO, index.html, with adlcp:masteryscore.
pub fn scorm12_manifest(course: &PackageCourse, files: &[String]) -> String {
    let title = escape_html(&course.title);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{identifier}" version="{version}"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="organization">
    <organization identifier="organization">
      <title>{title}</title>
      <item identifier="course" identifierref="app" isvisible="true">
        <title>{title}</title>
        <adlcp:masteryscore>{mastery}</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="app" type="webcontent" adlcp:scormtype="sco" href="index.html">
{files}    </resource>
  </resources>
</manifest>
"#,
        identifier = identifier(course),
        version = escape_html(&course.version),
        mastery = course.mastery_percent,
        files = file_list(files),
    )
}

/// imsmanifest.xml for SCORM 2004 4th Edition: one SCO whose primary objective is
/// satisfied by a scaled score at the mastery mark (the LMS hands it to the app as
/// cmi.scaled_passing_score); completion and success are set by the content.
pub fn scorm2004_manifest(course: &PackageCourse, files: &[String]) -> String {
    let title = escape_html(&course.title);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{identifier}" version="{version}"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="organization">
    <organization identifier="organization">
      <title>{title}</title>
      <item identifier="course" identifierref="app" isvisible="true">
        <title>{title}</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="course-passed" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>{scaled}</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
        </imsss:sequencing>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="app" type="webcontent" adlcp:scormType="sco" href="index.html">
{files}    </resource>
  </resources>
</manifest>
"#,
        identifier = identifier(course),
        version = escape_html(&course.version),
        scaled = scaled(course.mastery_percent),
        files = file_list(files),
    )
}

/// A percentage as a decimal between 0 and 1 (`70` → `0.7`), as the standards write it.
fn scaled(percent: u32) -> String {
    scaled_score(percent.min(100) * 100)
}

/// cmi5.xml: one AU at index.html that moves on when completed and passed.
pub fn cmi5_course_structure(course: &PackageCourse) -> String {
    let language = escape_html(&course.language);
    let title = escape_html(&course.title);
    let description = escape_html(&course.description);
    let iri = course.course_iri();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="{iri}">
    <title><langstring lang="{language}">{title}</langstring></title>
    <description><langstring lang="{language}">{description}</langstring></description>
  </course>
  <au id="{iri}:au" moveOn="CompletedAndPassed" masteryScore="{mastery}" launchMethod="AnyWindow">
    <title><langstring lang="{language}">{title}</langstring></title>
    <description><langstring lang="{language}">{description}</langstring></description>
    <url>index.html</url>
  </au>
</courseStructure>
"#,
        mastery = scaled(course.mastery_percent),
    )
}

/// The bundle's files to package, relative with `/`: everything but the precompressed
/// variants (which only our server uses).
fn package_files(bundle: &Path) -> Result<Vec<String>, String> {
    let files = crate::bundle::files_under(bundle)
        .map_err(|error| format!("listing {}: {error}", bundle.display()))?;
    Ok(files
        .iter()
        .filter_map(|path| {
            let relative = crate::bundle::relative_path(bundle, path);
            (!relative.ends_with(".gz") && !relative.ends_with(".br")).then_some(relative)
        })
        .collect())
}

/// One file in a package: its path inside the zip and its bytes.
type Entry = (String, Vec<u8>);

fn write_zip(path: &Path, entries: &[Entry]) -> Result<(), String> {
    let file = std::fs::File::create(path)
        .map_err(|error| format!("creating {}: {error}", path.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options)
            .and_then(|()| zip.write_all(bytes).map_err(Into::into))
            .map_err(|error| format!("writing {name} into {}: {error}", path.display()))?;
    }
    zip.finish()
        .map_err(|error| format!("finishing {}: {error}", path.display()))?;
    Ok(())
}

/// Every file of a schema set, as package entries (`sub/dir/file.xsd`).
fn schema_entries(root: &Path, set: &str, skip: &[&str]) -> Result<Vec<Entry>, String> {
    let directory = root.join(SCHEMAS).join(set);
    let files = crate::bundle::files_under(&directory)
        .map_err(|error| format!("listing {}: {error}", directory.display()))?;
    files
        .iter()
        .map(|path| (crate::bundle::relative_path(&directory, path), path))
        .filter(|(name, _)| !skip.contains(&name.as_str()))
        .map(|(name, path)| {
            std::fs::read(path)
                .map(|bytes| (name, bytes))
                .map_err(|error| format!("reading {}: {error}", path.display()))
        })
        .collect()
}

/// Validates `document` (written as `file_name` into a scratch copy of the schema set
/// `set`, since the schemas import each other by relative path) against `schema`.
pub fn validate(
    root: &Path,
    set: &str,
    schema: &str,
    file_name: &str,
    document: &str,
) -> Result<(), String> {
    // One folder per call: tests validate in parallel.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let scratch = std::env::temp_dir().join(format!(
        "specialist-validate-{set}-{}-{call}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&scratch);
    crate::bundle::copy_folder(&root.join(SCHEMAS).join(set), &scratch)
        .map_err(|error| format!("copying the {set} schemas: {error}"))?;
    std::fs::write(scratch.join(file_name), document)
        .map_err(|error| format!("writing {file_name}: {error}"))?;
    let output = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema", schema, file_name])
        .current_dir(&scratch)
        .output()
        .map_err(|error| {
            format!("running xmllint (libxml2-utils; cargo xtask setup installs it): {error}")
        });
    let _ = std::fs::remove_dir_all(&scratch);
    let output = output?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{file_name} does not validate against {set}/{schema}:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Writes the four packages for the bundle in `bundle` into target/dist, after validating
/// every manifest; returns their paths.
pub fn package(root: &Path, bundle: &Path) -> Result<Vec<PathBuf>, Failure> {
    let failed = |detail: String| Failure::new("dist", detail, None);
    let manifest_path = bundle.join(specialist_core::manifest::MANIFEST_PATH);
    let manifest: CourseManifest = std::fs::read(&manifest_path)
        .map_err(|error| error.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|error| error.to_string()))
        .map_err(|error| failed(format!("reading {}: {error}", manifest_path.display())))?;
    let course = PackageCourse::from_manifest(&manifest);
    let files = package_files(bundle).map_err(failed)?;
    let app: Vec<Entry> = files
        .iter()
        .map(|name| {
            std::fs::read(bundle.join(name))
                .map(|bytes| (name.clone(), bytes))
                .map_err(|error| failed(format!("reading {name}: {error}")))
        })
        .collect::<Result<_, _>>()?;

    let scorm12 = scorm12_manifest(&course, &files);
    let scorm2004 = scorm2004_manifest(&course, &files);
    let cmi5 = cmi5_course_structure(&course);
    validate(root, "scorm12", "all.xsd", "imsmanifest.xml", &scorm12).map_err(failed)?;
    validate(
        root,
        "scorm2004",
        "imscp_v1p1.xsd",
        "imsmanifest.xml",
        &scorm2004,
    )
    .map_err(failed)?;
    validate(root, "cmi5", "CourseStructure.xsd", "cmi5.xml", &cmi5).map_err(failed)?;

    let with = |extra: Vec<Entry>| -> Vec<Entry> { extra.into_iter().chain(app.clone()).collect() };
    let mut scorm12_entries = vec![("imsmanifest.xml".to_string(), scorm12.into_bytes())];
    // all.xsd is our single entry point for validating; packages carry the official set.
    scorm12_entries.extend(schema_entries(root, "scorm12", &["all.xsd"]).map_err(failed)?);
    let mut scorm2004_entries = vec![("imsmanifest.xml".to_string(), scorm2004.into_bytes())];
    scorm2004_entries.extend(schema_entries(root, "scorm2004", &[]).map_err(failed)?);
    let packages = [
        ("web.zip", app.clone()),
        ("scorm12.zip", with(scorm12_entries)),
        ("scorm2004.zip", with(scorm2004_entries)),
        (
            "cmi5.zip",
            with(vec![("cmi5.xml".to_string(), cmi5.into_bytes())]),
        ),
    ];
    let directory = root.join(DIST_DIRECTORY);
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory)
        .map_err(|error| failed(format!("creating {}: {error}", directory.display())))?;
    let mut written = Vec::new();
    for (name, entries) in packages {
        let path = directory.join(name);
        write_zip(&path, &entries).map_err(failed)?;
        written.push(path);
    }
    Ok(written)
}

/// `cargo xtask dist`: builds the release bundle and packages it.
pub fn run(root: &Path) -> Result<(), Failure> {
    crate::setup::run(root)?;
    let bundle = crate::bundle::build_release(root)?;
    let packages = package(root, &bundle)?;
    println!("\nPackages (manifests validated against the official XSDs):");
    for path in packages {
        let size = std::fs::metadata(&path).map_or(0, |metadata| metadata.len());
        println!("  {:<48} {size:>10} bytes", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course() -> PackageCourse {
        PackageCourse {
            id: "sustainability-specialization".into(),
            version: "1.0.0".into(),
            title: "Environmental Sustainability & <Circular> \"IT\"".into(),
            description: "For partners' staff.".into(),
            language: "en".into(),
            mastery_percent: 70,
        }
    }

    fn root() -> PathBuf {
        crate::project_root()
    }

    fn files() -> Vec<String> {
        vec![
            "index.html".into(),
            "specialist-0123456789abcdef_bg.wasm".into(),
            "course/lessons/a & b-0123456789abcdef.html".into(),
        ]
    }

    #[test]
    fn the_scorm_1_2_manifest_validates_and_holds_the_mastery_score_and_every_file() {
        let manifest = scorm12_manifest(&course(), &files());
        validate(&root(), "scorm12", "all.xsd", "imsmanifest.xml", &manifest).unwrap();
        assert!(manifest.contains("<adlcp:masteryscore>70</adlcp:masteryscore>"));
        assert!(
            manifest.contains(r#"<file href="course/lessons/a &amp; b-0123456789abcdef.html"/>"#)
        );
        assert!(
            manifest.contains("Environmental Sustainability &amp; &lt;Circular&gt; &quot;IT&quot;")
        );
    }

    #[test]
    fn the_scorm_2004_manifest_validates_with_the_passing_score_as_a_measure() {
        let manifest = scorm2004_manifest(&course(), &files());
        validate(
            &root(),
            "scorm2004",
            "imscp_v1p1.xsd",
            "imsmanifest.xml",
            &manifest,
        )
        .unwrap();
        assert!(manifest.contains("<schemaversion>2004 4th Edition</schemaversion>"));
        assert!(manifest.contains("<imsss:minNormalizedMeasure>0.7</imsss:minNormalizedMeasure>"));
        assert!(manifest.contains(r#"adlcp:scormType="sco" href="index.html""#));
    }

    #[test]
    fn the_cmi5_course_structure_validates_with_move_on_and_mastery() {
        let structure = cmi5_course_structure(&course());
        validate(
            &root(),
            "cmi5",
            "CourseStructure.xsd",
            "cmi5.xml",
            &structure,
        )
        .unwrap();
        assert!(structure.contains(r#"moveOn="CompletedAndPassed" masteryScore="0.7""#));
        assert!(structure.contains("<url>index.html</url>"));
    }

    #[test]
    fn an_invalid_manifest_is_refused_with_xmllint_s_reason() {
        let broken = scorm12_manifest(&course(), &files())
            .replace(r#"isvisible="true""#, r#"isvisible="maybe""#);
        let error =
            validate(&root(), "scorm12", "all.xsd", "imsmanifest.xml", &broken).unwrap_err();
        assert!(
            error.contains("'isvisible': 'maybe' is not a valid value"),
            "{error}"
        );
    }

    #[test]
    fn percentages_are_written_as_the_standards_decimals() {
        assert_eq!(scaled(70), "0.7");
        assert_eq!(scaled(85), "0.85");
        assert_eq!(scaled(5), "0.05");
        assert_eq!(scaled(0), "0");
        assert_eq!(scaled(100), "1");
    }
}
