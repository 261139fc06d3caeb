//! Load and run errors: kinds, Chromium's messages, script lines.

use netsession_pac::{ErrorKind, PacScript};
use url::Url;

fn url() -> Url {
    Url::parse("http://example.com/").unwrap()
}

#[test]
fn empty_script_fails() {
    let error = PacScript::new("").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::EmptyScript);
}

#[test]
fn missing_function_fails_with_chromiums_message() {
    for source in [
        " ",
        "var FindProxyForURL = 5;",
        "function findProxyForURL(u, h) { return 'DIRECT'; }",
    ] {
        let error = PacScript::new(source).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::MissingFunction, "{source}");
        assert_eq!(
            error.message(),
            "FindProxyForURL is undefined or not a function."
        );
    }
}

#[test]
fn missing_function_at_call_time() {
    let script =
        PacScript::new("function FindProxyForURL(u, h) { FindProxyForURL = 1; return 'DIRECT'; }")
            .unwrap();
    assert_eq!(script.find_proxy_string(&url()).unwrap(), "DIRECT");
    let error = script.find_proxy_string(&url()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MissingFunction);
}

#[test]
fn find_proxy_for_url_ex_is_preferred() {
    let script = PacScript::new(
        "function FindProxyForURL(u, h) { return 'PROXY plain'; }\n\
         function FindProxyForURLEx(u, h) { return 'PROXY ex'; }",
    )
    .unwrap();
    assert_eq!(
        script.find_proxy(&url()).unwrap().to_string(),
        "PROXY ex:80"
    );
    // FindProxyForURLEx alone is enough.
    let script = PacScript::new("function FindProxyForURLEx(u, h) { return 'DIRECT'; }").unwrap();
    assert!(script.find_proxy(&url()).unwrap().is_direct());
}

#[test]
fn syntax_errors_carry_the_line() {
    let error = PacScript::new("function FindProxyForURL(u, h) {\n  return 1 +;\n}").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Syntax);
    assert_eq!(error.line(), Some(2));
    assert!(error.message().starts_with("SyntaxError"), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("syntax error in pac script at line 2: ")
    );
}

#[test]
fn nul_characters_are_syntax_errors() {
    let error = PacScript::new("// a\n// b\0\nfunction FindProxyForURL(u, h) {}").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Syntax);
    assert_eq!(error.line(), Some(2));
}

#[test]
fn exceptions_carry_the_line() {
    let script = PacScript::new(
        "function FindProxyForURL(url, host) {\n\
         \x20 if (host == 'bad') {\n\
         \x20   null.property;\n\
         \x20 }\n\
         \x20 return 'DIRECT';\n\
         }",
    )
    .unwrap();
    let error = script
        .find_proxy(&Url::parse("http://bad/").unwrap())
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Exception);
    assert_eq!(error.line(), Some(3));
    assert_eq!(
        error.message(),
        "Uncaught TypeError: cannot read property 'property' of null"
    );
    assert_eq!(
        error.to_string(),
        "pac script threw at line 3: Uncaught TypeError: cannot read property 'property' of null"
    );
}

#[test]
fn top_level_exceptions_fail_loading() {
    let error = PacScript::new("\n\nthrow new Error('top');\nfunction FindProxyForURL(u, h) {}")
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Exception);
    assert_eq!(error.line(), Some(3));
    assert_eq!(error.message(), "Uncaught Error: top");
}

#[test]
fn errors_thrown_in_helpers_point_at_the_calling_line() {
    let script = PacScript::new(
        "function FindProxyForURL(url, host) {\n\
         \x20 return dnsDomainIs(undefined, host) ? 'DIRECT' : 'PROXY p';\n\
         }",
    )
    .unwrap();
    let error = script.find_proxy(&url()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Exception);
    assert_eq!(error.line(), Some(2));
}

#[test]
fn non_string_and_non_ascii_results() {
    let script = PacScript::new("function FindProxyForURL(u, h) { return 42; }").unwrap();
    let error = script.find_proxy(&url()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotAString);
    assert_eq!(
        error.message(),
        "FindProxyForURL() did not return a string."
    );
    let script = PacScript::new("function FindProxyForURL(u, h) { return 'PROXY é'; }").unwrap();
    assert_eq!(
        script.find_proxy(&url()).unwrap_err().kind(),
        ErrorKind::NonAscii
    );
}

#[test]
fn bad_results_carry_the_line_of_the_function() {
    // The call has returned when the result is checked: the line is where the function that
    // returned it is defined.
    let script = PacScript::new(
        "// Returns nothing for some hosts.
         
         function FindProxyForURL(url, host) {
           if (host == 'odd') return 'PROXY \\u00e9';
           if (host == 'none') return;
           return 'DIRECT';
         }",
    )
    .unwrap();
    let error = script
        .find_proxy(&Url::parse("http://none/").unwrap())
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotAString);
    assert_eq!(error.line(), Some(3));
    assert_eq!(
        error.to_string(),
        "pac script returned a non-string at line 3: FindProxyForURL() did not return a string."
    );
    let error = script
        .find_proxy(&Url::parse("http://odd/").unwrap())
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NonAscii);
    assert_eq!(error.line(), Some(3));

    // A function expression, and FindProxyForURLEx, count the same way.
    let script = PacScript::new(
        "var FindProxyForURL = function (u, h) { return 'DIRECT'; };
         var FindProxyForURLEx =
             function (u, h) { return null; };",
    )
    .unwrap();
    let error = script.find_proxy(&url()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotAString);
    assert_eq!(error.line(), Some(3));

    // A function the script did not define in its text has no line in it.
    let script =
        PacScript::new("var FindProxyForURL = new Function('u', 'h', 'return 1;');").unwrap();
    let error = script.find_proxy(&url()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotAString);
    assert_eq!(error.line(), None);
}

#[test]
fn thrown_values_carry_the_line() {
    let script = PacScript::new(
        "function FindProxyForURL(url, host) {
           if (host == 'string') throw 'no proxy for ' + host;
           if (host == 'number') {
             throw 42;
           }
           if (host == 'object') throw {reason: 'none'};
           if (host == 'error') throw new RangeError('out of range');
           return helper(host);
         }
         function helper(host) {
           throw host;
         }",
    )
    .unwrap();
    for (host, line, message) in [
        ("string", 2, "Uncaught no proxy for string"),
        ("number", 4, "Uncaught 42"),
        ("object", 6, "Uncaught #<Object>"),
        ("error", 7, "Uncaught RangeError: out of range"),
        // The innermost line of the script.
        ("other", 11, "Uncaught other"),
    ] {
        let error = script
            .find_proxy(&Url::parse(&format!("http://{host}/")).unwrap())
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Exception, "{host}");
        assert_eq!(error.line(), Some(line), "{host}: {error}");
        assert_eq!(error.message(), message, "{host}");
    }
    let error = PacScript::new("\n\nthrow 'top';\nfunction FindProxyForURL(u, h) {}").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Exception);
    assert_eq!(error.line(), Some(3));
    assert_eq!(error.message(), "Uncaught top");
}

#[test]
fn an_exception_of_an_earlier_run_does_not_move_the_line() {
    // The promise reaction throws after the first call returned, where no script catches it;
    // the second call's exception must still be placed where it is thrown.
    let script = PacScript::new(
        "function FindProxyForURL(url, host) {
           if (host == 'late') {
             Promise.resolve().then(function () { throw 'late'; });
             return 'DIRECT';
           }
           throw 'now';
         }",
    )
    .unwrap();
    let late = Url::parse("http://late/").unwrap();
    assert_eq!(script.find_proxy_string(&late).unwrap(), "DIRECT");
    let error = script.find_proxy(&url()).unwrap_err();
    assert_eq!(error.message(), "Uncaught now");
    assert_eq!(error.line(), Some(6));
}

#[test]
fn errors_are_std_errors() {
    let error: Box<dyn std::error::Error + Send + Sync> = Box::new(PacScript::new("").unwrap_err());
    assert_eq!(error.to_string(), "empty pac script: the script is empty");
}
