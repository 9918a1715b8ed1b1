//! Components shared by several pages.

mod app_status;
mod glossary_popover;
mod lesson_list;
mod progress_meter;
mod qr_code;
mod storage_notice;

pub use app_status::AppStatus;
pub use glossary_popover::GlossaryPopover;
pub use lesson_list::{LessonList, lesson_status_of, status_label, status_token};
pub use progress_meter::ProgressMeter;
pub use qr_code::QrCode;
pub use storage_notice::StorageNotice;
