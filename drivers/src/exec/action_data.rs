//! The payloads of exec-driver actions: base64 → XML → the values the scripts get.

use super::xml::{XmlError, top_level};
use crate::proto::b64_decode;

/// A payload that is not what the verb expects.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PayloadError {
    #[error("the payload is not base64: {0}")]
    Base64(String),
    #[error("the payload is not UTF-8 text")]
    Utf8,
    #[error("the payload is not the expected XML: {0}")]
    Xml(#[from] XmlError),
}

/// Base64 payload → text.
pub fn decode_text(payload: &str) -> Result<String, PayloadError> {
    let bytes = b64_decode(payload.trim()).map_err(|e| PayloadError::Base64(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| PayloadError::Utf8)
}

/// What a VMM action knows (`<VMM_DRIVER_ACTION_DATA>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VmmData {
    pub host: String,
    pub migr_host: String,
    pub deploy_id: String,
    pub local_deployment_file: String,
    pub remote_deployment_file: String,
    pub checkpoint_file: String,
    /// `VM/ID`, when present and a number.
    pub vm_id: Option<i64>,
    /// The `<VM>` element as written (empty when absent).
    pub vm_xml: String,
    /// The whole decoded document.
    pub document: String,
}

impl VmmData {
    /// Decodes a VMM payload.
    pub fn from_payload(payload: &str) -> Result<VmmData, PayloadError> {
        let document = decode_text(payload)?;
        let top = top_level(&document)?.expect_root("VMM_DRIVER_ACTION_DATA")?;
        let (vm_xml, vm_id) = match top.child("VM") {
            Some(vm) => (vm.raw.to_string(), top_level(vm.raw)?.text("ID").parse::<i64>().ok()),
            None => (String::new(), None),
        };
        let data = VmmData {
            host: top.text("HOST"),
            migr_host: top.text("MIGR_HOST"),
            deploy_id: top.text("DEPLOY_ID"),
            local_deployment_file: top.text("LOCAL_DEPLOYMENT_FILE"),
            remote_deployment_file: top.text("REMOTE_DEPLOYMENT_FILE"),
            checkpoint_file: top.text("CHECKPOINT_FILE"),
            vm_id,
            vm_xml,
            document: String::new(),
        };
        Ok(VmmData { document, ..data })
    }
}

/// The host's name in an IM payload (`<HOST><NAME>`).
pub fn host_name(payload: &str) -> Result<String, PayloadError> {
    let document = decode_text(payload)?;
    Ok(top_level(&document)?.expect_root("HOST")?.text("NAME"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::b64_encode;

    #[test]
    fn vmm_payload() {
        let xml = "<VMM_DRIVER_ACTION_DATA><HOST>h1:2222</HOST><MIGR_HOST>h2</MIGR_HOST><DEPLOY_ID>one-3</DEPLOY_ID>\
            <LOCAL_DEPLOYMENT_FILE>/l</LOCAL_DEPLOYMENT_FILE><REMOTE_DEPLOYMENT_FILE>/r</REMOTE_DEPLOYMENT_FILE>\
            <CHECKPOINT_FILE>/c</CHECKPOINT_FILE><VM><ID>3</ID><NAME>x</NAME></VM></VMM_DRIVER_ACTION_DATA>";
        let data = VmmData::from_payload(&b64_encode(xml.as_bytes())).unwrap();
        assert_eq!(data.host, "h1:2222");
        assert_eq!(data.migr_host, "h2");
        assert_eq!(data.deploy_id, "one-3");
        assert_eq!(data.local_deployment_file, "/l");
        assert_eq!(data.remote_deployment_file, "/r");
        assert_eq!(data.checkpoint_file, "/c");
        assert_eq!(data.vm_id, Some(3));
        assert_eq!(data.vm_xml, "<VM><ID>3</ID><NAME>x</NAME></VM>");
        assert_eq!(data.document, xml);
    }

    #[test]
    fn bad_payloads() {
        assert!(matches!(VmmData::from_payload("***"), Err(PayloadError::Base64(_))));
        assert_eq!(VmmData::from_payload(&b64_encode(&[0xff, 0xfe])), Err(PayloadError::Utf8));
        assert!(matches!(VmmData::from_payload(&b64_encode(b"<HOST/>")), Err(PayloadError::Xml(_))));
        assert!(matches!(VmmData::from_payload(&b64_encode(b"<VMM_DRIVER_ACTION_DATA>")), Err(PayloadError::Xml(_))));
    }

    #[test]
    fn host_names() {
        assert_eq!(host_name(&b64_encode(b"<HOST><ID>0</ID><NAME>node-1</NAME></HOST>")).unwrap(), "node-1");
        assert!(host_name(&b64_encode(b"<VM><NAME>x</NAME></VM>")).is_err());
    }
}
