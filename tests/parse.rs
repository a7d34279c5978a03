//! The template parser: YAML and JSON into `Node`, with positions, limits and error messages.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use albaudit::collect::cfn::node::{Kind, Node};
use albaudit::collect::cfn::parse::{MAX_BYTES, ParseError, parse};
use albaudit::model::Pos;

/// A node without positions, to compare trees from different sources.
#[derive(Debug, PartialEq)]
enum Bare {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Seq(Vec<Bare>),
    Map(Vec<(String, Bare)>),
}

fn bare(n: &Node) -> Bare {
    match &n.kind {
        Kind::Null => Bare::Null,
        Kind::Bool(b) => Bare::Bool(*b),
        Kind::Number(s) => Bare::Num(s.clone()),
        Kind::Str(s) => Bare::Str(s.clone()),
        Kind::Seq(items) => Bare::Seq(items.iter().map(bare).collect()),
        Kind::Map(entries) => Bare::Map(entries.iter().map(|(k, v)| (k.name.clone(), bare(v))).collect()),
    }
}

fn ok(text: &str) -> Node {
    parse(text).unwrap_or_else(|e| panic!("parse failed: {e}\n{text}"))
}

fn err(text: &str) -> ParseError {
    match parse(text) {
        Ok(n) => panic!("expected an error, got {:?}", bare(&n)),
        Err(e) => e,
    }
}

fn pos(line: u32, column: u32) -> Pos {
    Pos { line, column }
}

/// Follows a path of mapping keys and sequence indexes.
fn at<'a>(node: &'a Node, path: &[&str]) -> &'a Node {
    path.iter().fold(node, |n, step| match step.parse::<usize>() {
        Ok(i) => &n.as_seq().expect("a sequence")[i],
        Err(_) => n.get(step).unwrap_or_else(|| panic!("no key {step}")),
    })
}

fn s(text: &str) -> Bare {
    Bare::Str(text.to_owned())
}

fn map(entries: Vec<(&str, Bare)>) -> Bare {
    Bare::Map(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

#[test]
fn short_and_long_forms_give_equal_trees() {
    let short = r#"
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Or [!Condition A, !Condition B]]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '${AWS::StackName}-logs'
      Tags:
        - Key: Arn
          Value: !GetAtt Role.Arn
        - Key: Zone
          Value: !Select [0, !GetAZs '']
        - Key: Joined
          Value: !Join [',', !Split ['|', !ImportValue Shared]]
        - Key: Mapped
          Value: !FindInMap [M, !Ref 'AWS::Region', Ami]
        - Key: Encoded
          Value: !Base64 text
        - Key: Cidrs
          Value: !Cidr [10.0.0.0/16, 4, 8]
        - Key: Json
          Value: !ToJsonString {a: 1}
        - Key: Count
          Value: !Length [1, 2]
      Extra: !Transform {Name: M, Parameters: {}}
"#;
    let long = r#"
Conditions:
  IsProd: {"Fn::Equals": [{Ref: Env}, prod]}
  NotProd: {"Fn::Not": [{Condition: IsProd}]}
  Both: {"Fn::And": [{Condition: IsProd}, {"Fn::Or": [{Condition: A}, {Condition: B}]}]}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: {"Fn::Sub": '${AWS::StackName}-logs'}
      Tags:
        - Key: Arn
          Value: {"Fn::GetAtt": Role.Arn}
        - Key: Zone
          Value: {"Fn::Select": [0, {"Fn::GetAZs": ''}]}
        - Key: Joined
          Value: {"Fn::Join": [',', {"Fn::Split": ['|', {"Fn::ImportValue": Shared}]}]}
        - Key: Mapped
          Value: {"Fn::FindInMap": [M, {Ref: 'AWS::Region'}, Ami]}
        - Key: Encoded
          Value: {"Fn::Base64": text}
        - Key: Cidrs
          Value: {"Fn::Cidr": [10.0.0.0/16, 4, 8]}
        - Key: Json
          Value: {"Fn::ToJsonString": {a: 1}}
        - Key: Count
          Value: {"Fn::Length": [1, 2]}
      Extra: {"Fn::Transform": {Name: M, Parameters: {}}}
"#;
    let json = r#"{
  "Conditions": {
    "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
    "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}]}
  },
  "Resources": {
    "Bucket": {
      "Type": "AWS::S3::Bucket",
      "Properties": {
        "BucketName": {"Fn::Sub": "${AWS::StackName}-logs"},
        "Tags": [
          {"Key": "Arn", "Value": {"Fn::GetAtt": "Role.Arn"}},
          {"Key": "Zone", "Value": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}},
          {"Key": "Joined", "Value": {"Fn::Join": [",", {"Fn::Split": ["|", {"Fn::ImportValue": "Shared"}]}]}},
          {"Key": "Mapped", "Value": {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Ami"]}},
          {"Key": "Encoded", "Value": {"Fn::Base64": "text"}},
          {"Key": "Cidrs", "Value": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}},
          {"Key": "Json", "Value": {"Fn::ToJsonString": {"a": 1}}},
          {"Key": "Count", "Value": {"Fn::Length": [1, 2]}}
        ],
        "Extra": {"Fn::Transform": {"Name": "M", "Parameters": {}}}
      }
    }
  }
}"#;
    let short = bare(&ok(short));
    assert_eq!(short, bare(&ok(long)));
    assert_eq!(short, bare(&ok(json)));
    // Spot-check the shape rather than trusting the three parsers to agree by accident.
    let tree = ok(r"A: !Ref B");
    assert_eq!(
        tree.get("A")
            .and_then(Node::as_intrinsic)
            .map(|(k, v)| (k, bare(v))),
        Some(("Ref", s("B")))
    );
}

#[test]
fn if_over_flow_and_block_lists() {
    let flow = ok("V: !If [IsProd, !Ref Big, !Ref 'AWS::NoValue']");
    let block = ok("V: !If\n  - IsProd\n  - !Ref Big\n  - !Ref 'AWS::NoValue'\n");
    let expected = map(vec![(
        "V",
        map(vec![(
            "Fn::If",
            Bare::Seq(vec![
                s("IsProd"),
                map(vec![("Ref", s("Big"))]),
                map(vec![("Ref", s("AWS::NoValue"))]),
            ]),
        )]),
    )]);
    assert_eq!(bare(&flow), expected);
    assert_eq!(bare(&block), expected);
}

#[test]
fn nested_sub_with_getatt() {
    let tree = ok("V: !Sub\n  - '${X}/${Y}'\n  - X: !GetAtt A.B\n    Y: !GetAtt [C, D]\n");
    let expected = map(vec![(
        "V",
        map(vec![(
            "Fn::Sub",
            Bare::Seq(vec![
                s("${X}/${Y}"),
                map(vec![
                    ("X", map(vec![("Fn::GetAtt", s("A.B"))])),
                    ("Y", map(vec![("Fn::GetAtt", Bare::Seq(vec![s("C"), s("D")]))])),
                ]),
            ]),
        )]),
    )]);
    assert_eq!(bare(&tree), expected);
}

#[test]
fn yaml_positions_are_one_based_line_and_column() {
    let text = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  # the load balancer\n  MyAlb:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Properties:\n      Scheme: !Ref Scheme\n      Subnets: [!Ref A, b]\n";
    let tree = ok(text);
    let (key, alb) = tree.get("Resources").unwrap().entry("MyAlb").unwrap();
    assert_eq!(key.pos, pos(4, 3));
    assert_eq!(alb.pos, pos(5, 5));
    let (type_key, type_value) = alb.entry("Type").unwrap();
    assert_eq!((type_key.pos, type_value.pos), (pos(5, 5), pos(5, 11)));
    // A short form: the node and its key sit at the tag.
    let scheme = at(&tree, &["Resources", "MyAlb", "Properties", "Scheme"]);
    assert_eq!(scheme.pos, pos(7, 15));
    assert_eq!(scheme.entry("Ref").unwrap().0.pos, pos(7, 15));
    assert_eq!(
        at(&tree, &["Resources", "MyAlb", "Properties", "Subnets", "0"]).pos,
        pos(8, 17)
    );
    assert_eq!(
        at(&tree, &["Resources", "MyAlb", "Properties", "Subnets", "1"]).pos,
        pos(8, 25)
    );
    // Columns count characters, not bytes, and a byte-order mark takes no column.
    let tree = ok("\u{FEFF}Name: \"héllo wörld\"\nNext: 1\n");
    assert_eq!(tree.entry("Next").unwrap().0.pos, pos(2, 1));
    let tree = ok("A: 'ü' \nB: [ü, x]\n");
    assert_eq!(at(&tree, &["B", "1"]).pos, pos(2, 8));
}

#[test]
fn json_positions_are_exact_with_tabs_and_multibyte_text() {
    let text = "{\n\t\"Resources\": {\n\t\t\"MyAlb\": {\n\t\t\t\"Type\": \"AWS::ElasticLoadBalancingV2::LoadBalancer\",\n\t\t\t\"Properties\": {\"Name\": \"ünïcode\", \"Port\": 443}\n\t\t}\n\t}\n}\n";
    let tree = ok(text);
    assert_eq!(tree.pos, pos(1, 1));
    let (key, alb) = tree.get("Resources").unwrap().entry("MyAlb").unwrap();
    assert_eq!((key.pos, alb.pos), (pos(3, 3), pos(3, 12)));
    assert_eq!(alb.entry("Type").unwrap().0.pos, pos(4, 4));
    let props = alb.get("Properties").unwrap();
    assert_eq!(props.pos, pos(5, 18));
    let (port_key, port) = props.entry("Port").unwrap();
    // `"ünïcode"` is 9 characters but 11 bytes: columns count characters.
    assert_eq!((port_key.pos, port.pos), (pos(5, 38), pos(5, 46)));
    assert_eq!(port.kind, Kind::Number("443".into()));
    // A byte-order mark is not a column.
    assert_eq!(ok("\u{FEFF}{\"a\": true}").get("a").unwrap().pos, pos(1, 7));
}

#[test]
fn json_values_keep_number_text_and_decode_escapes() {
    let tree = ok(
        r#"{"n": [-0.50, 1e3, 12, 0], "s": "a\"b\\c\/\u00e9\ud83d\ude00\n\t", "t": true, "f": false, "z": null}"#,
    );
    let nums: Vec<_> = at(&tree, &["n"]).as_seq().unwrap().iter().map(bare).collect();
    assert_eq!(nums, ["-0.50", "1e3", "12", "0"].map(|n| Bare::Num(n.into())));
    assert_eq!(tree.get("s").unwrap().as_str(), Some("a\"b\\c/é😀\n\t"));
    assert_eq!(bare(tree.get("t").unwrap()), Bare::Bool(true));
    assert_eq!(bare(tree.get("f").unwrap()), Bare::Bool(false));
    assert_eq!(bare(tree.get("z").unwrap()), Bare::Null);
}

#[test]
fn json_syntax_errors_point_at_the_problem() {
    let cases: &[(&str, &str)] = &[
        ("{\"a\": 1,}", "1:9: expected a string key, found `}`"),
        ("{\"a\" 1}", "1:6: expected `:`, found `1`"),
        (
            "{\n  \"a\": [1, 2\n  \"b\": 3\n}",
            "3:3: expected `,` or `]`, found `\"`",
        ),
        ("{\"a\": tru}", "1:7: expected a value, found `t`"),
        ("{\"a\": 01}", "1:8: expected `,` or `}`, found `1`"),
        ("{\"a\": -}", "1:8: expected a digit, found `}`"),
        ("{\"a\": 1.}", "1:9: expected a digit after `.`, found `}`"),
        (
            "{\"a\": \"x\ty\"}",
            "1:9: expected a string character (control characters must be escaped), found '\\t'",
        ),
        (
            "{\"a\": \"\\q\"}",
            "1:9: expected an escape (one of \" \\ / b f n r t u), found `q`",
        ),
        ("{\"a\": \"\\ud800\"}", "1:14: unpaired surrogate in \\u escape"),
        ("{\"a\": \"abc", "1:11: unterminated string"),
        (
            "{\"a\": 1}\n{\"b\": 2}",
            "2:1: expected the end of the template, found `{`",
        ),
        ("{\"a\": 1", "1:8: expected `,` or `}`, found the end of the file"),
        ("{'a': 1}", "1:2: expected a string key, found `'`"),
    ];
    for (text, expected) in cases {
        assert_eq!(err(text).to_string(), *expected, "for {text:?}");
    }
}

#[test]
fn yaml_syntax_errors_carry_positions() {
    let e = err("Resources:\n  A:\n    Type: x\n   B: y\n");
    assert_eq!(e.pos.line, 4, "{e}");
    let e = err("a: [1, 2\nb: 3\n");
    assert!(e.pos.line >= 2, "{e}");
    let e = err("a: 'unterminated\n");
    assert_eq!(e.pos, pos(1, 4), "{e}");
    let e = err("a: *nowhere\n");
    assert_eq!(e.pos, pos(1, 4), "{e}");
    // A short form cannot be a key.
    let e = err("A:\n  !Ref x: 1\n");
    assert_eq!(e.to_string(), "2:3: a mapping key must be a string, not Ref");
    let e = err("? [a, b]\n: c\n");
    assert_eq!(
        e.to_string(),
        "1:3: a mapping key must be a string, not a collection"
    );
}

#[test]
fn duplicate_keys_are_errors_naming_both_positions() {
    let e = err("Resources:\n  A:\n    Type: x\n  B:\n    Type: y\n  A:\n    Type: z\n");
    assert_eq!(e.to_string(), "6:3: duplicate key `A` (first at 2:3)");
    let e = err("{\n  \"A\": 1,\n  \"B\": 2,\n  \"A\": 3\n}");
    assert_eq!(e.to_string(), "4:3: duplicate key `A` (first at 2:3)");
    // Large mappings take the hashed path.
    let mut yaml: String = (0..100).map(|i| format!("K{i}: {i}\n")).collect();
    yaml.push_str("K42: again\n");
    assert_eq!(
        err(&yaml).to_string(),
        "101:1: duplicate key `K42` (first at 43:1)"
    );
    let mut json: String = (0..100).map(|i| format!("\"K{i}\": {i},\n")).collect();
    json.insert(0, '{');
    json.push_str("\"K7\": 0}");
    assert_eq!(err(&json).to_string(), "101:1: duplicate key `K7` (first at 8:1)");
    // The same key in different mappings is fine.
    ok("A: {X: 1}\nB: {X: 2}\n");
}

#[test]
fn plain_scalars_resolve_by_the_core_schema() {
    let tree = ok(r#"
nulls: [null, Null, NULL, ~]
empty:
bools: [true, True, TRUE, false, False, FALSE]
numbers: [0, -12, +3, 0x1F, 0o17, 1.5, .5, 1., 1e3, -2.5E-3, .inf, -.Inf, .NaN]
strings: [yes, no, on, off, tRUE, nULL, 1_000, 0b101, 2010-09-09, 1.2.3, 0x, e3, '1', "true", ""]
quoted_null: '~'
block: |
  line
folded: >
  a
  b
tagged: [!!str 12, !!int 12, !!bool true, !!null '', !!str true, ! 12, !Custom 5]
"#);
    let items = |k: &str| {
        tree.get(k)
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .map(bare)
            .collect::<Vec<_>>()
    };
    assert!(
        items("nulls").iter().all(|b| *b == Bare::Null),
        "{:?}",
        items("nulls")
    );
    assert_eq!(items("nulls").len(), 4);
    assert_eq!(bare(tree.get("empty").unwrap()), Bare::Null);
    assert_eq!(
        items("bools"),
        [true, true, true, false, false, false].map(Bare::Bool)
    );
    let numbers = [
        "0", "-12", "+3", "0x1F", "0o17", "1.5", ".5", "1.", "1e3", "-2.5E-3", ".inf", "-.Inf", ".NaN",
    ];
    assert_eq!(items("numbers"), numbers.map(|n| Bare::Num(n.into())));
    let strings = [
        "yes",
        "no",
        "on",
        "off",
        "tRUE",
        "nULL",
        "1_000",
        "0b101",
        "2010-09-09",
        "1.2.3",
        "0x",
        "e3",
        "1",
        "true",
        "",
    ];
    assert_eq!(items("strings"), strings.map(s));
    assert_eq!(bare(tree.get("quoted_null").unwrap()), s("~"));
    assert_eq!(bare(tree.get("block").unwrap()), s("line\n"));
    assert_eq!(bare(tree.get("folded").unwrap()), s("a b\n"));
    let tagged = [
        s("12"),
        Bare::Num("12".into()),
        Bare::Bool(true),
        Bare::Null,
        s("true"),
        s("12"),
        Bare::Num("5".into()),
    ];
    assert_eq!(items("tagged"), tagged);
}

#[test]
fn short_form_scalars_stay_text_and_unknown_tags_are_dropped() {
    let tree = ok("a: !GetAZs\nb: !Ref 12\nc: !Rain::Module {X: 1}\nd: !Fancy [1]\n");
    assert_eq!(bare(tree.get("a").unwrap()), map(vec![("Fn::GetAZs", s(""))]));
    assert_eq!(bare(tree.get("b").unwrap()), map(vec![("Ref", s("12"))]));
    assert_eq!(
        bare(tree.get("c").unwrap()),
        map(vec![("X", Bare::Num("1".into()))])
    );
    assert_eq!(
        bare(tree.get("d").unwrap()),
        Bare::Seq(vec![Bare::Num("1".into())])
    );
}

#[test]
fn anchors_and_aliases_copy_the_anchored_node() {
    let tree = ok("base: &tags\n  - {Key: a, Value: !Ref X}\nA: *tags\nB: {K: *tags}\n");
    assert_eq!(bare(tree.get("A").unwrap()), bare(tree.get("base").unwrap()));
    assert_eq!(bare(at(&tree, &["B", "K"])), bare(tree.get("base").unwrap()));
    let e = err("a: &x [1, *x]\n");
    assert_eq!(e.pos, pos(1, 11), "{e}");
}

#[test]
fn documents_after_the_first_are_ignored_and_empty_ones_refused() {
    let tree = ok("---\nA: 1\n---\nB: [unclosed\n");
    assert_eq!(bare(&tree), map(vec![("A", Bare::Num("1".into()))]));
    for empty in ["", "   \n", "# only a comment\n", "---\n", "---\n...\n"] {
        assert_eq!(err(empty).to_string(), "1:1: empty template", "for {empty:?}");
    }
}

#[test]
fn lenient_indentation_matches_what_cloudformation_accepts() {
    // A flow sequence closed at its key's column, and a quoted string continued at its key's
    // column: YAML 1.2 refuses both, PyYAML and CloudFormation accept them.
    let text = "R:\n  Command: [\n    \"a\",\n    \"b\"\n  ]\n  Value: 'one\n  two'\n  Next: !Join ['', [\n  x, y]]\n";
    let tree = ok(text);
    let cmd: Vec<_> = at(&tree, &["R", "Command"])
        .as_seq()
        .unwrap()
        .iter()
        .map(bare)
        .collect();
    assert_eq!(cmd, [s("a"), s("b")]);
    assert_eq!(bare(at(&tree, &["R", "Value"])), s("one two"));
    assert_eq!(
        bare(at(&tree, &["R", "Next", "Fn::Join", "1"])),
        Bare::Seq(vec![s("x"), s("y")])
    );
    // Columns on re-indented lines still point at the original text.
    assert_eq!(at(&tree, &["R", "Next", "Fn::Join", "1", "0"]).pos, pos(9, 3));
    assert_eq!(tree.get("R").unwrap().entry("Next").unwrap().0.pos, pos(8, 3));
}

/// Asserts that `text` fails with a message containing `needle`, quickly.
fn fails_fast(text: &str, needle: &str) -> ParseError {
    let start = Instant::now();
    let e = err(text);
    let elapsed = start.elapsed();
    assert!(e.message.contains(needle), "{e}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    e
}

#[test]
fn alias_bomb_is_refused() {
    let bomb = r#"
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"#;
    let e = fails_fast(bomb, "alias expansion exceeds 100000 nodes (YAML alias bomb?)");
    assert_eq!(e.pos.line, 7, "{e}");
}

#[test]
fn nested_anchors_over_a_large_list_are_refused() {
    // Each anchor keeps a copy of its node: 200 nested anchors over 10_000 items would copy
    // two million nodes.
    let mut text = String::from("a: ");
    for i in 0..200 {
        text.push_str(&format!("&a{i} ["));
    }
    text.push_str(&"1,".repeat(10_000));
    text.push_str(&"]".repeat(200));
    let e = fails_fast(
        &text,
        "anchored nodes exceed 500000 nodes in total (nested anchors?)",
    );
    assert_eq!(e.pos.line, 1);
}

#[test]
fn deep_nesting_is_an_error_where_the_limit_is_crossed() {
    // saphyr itself stops flow collections at 255 levels.
    let e = fails_fast(&"[".repeat(100_000), "nesting deeper than 255 flow levels");
    assert_eq!(e.pos, pos(1, 256));
    let e = fails_fast(
        &format!("{{\"a\": {}", "[".repeat(100_000)),
        "nesting deeper than 256 levels",
    );
    assert_eq!(e.pos, pos(1, 262));
    let block: String = (0..300).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
    let e = fails_fast(&block, "nesting deeper than 256 levels");
    assert_eq!(e.pos.line, 257);
    let e = fails_fast(&"- ".repeat(100_000), "nesting deeper than 256 levels");
    assert_eq!(e.pos, pos(1, 2 * 256 + 1));
    // 256 levels are fine.
    ok(&format!("{}x", "- ".repeat(256)));
    ok(&format!("{}{}", "[".repeat(255), "]".repeat(255)));
    ok(&format!("{{\"a\": {}{}}}", "[".repeat(255), "]".repeat(255)));
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let big = "a".repeat(50 * 1024 * 1024);
    let e = fails_fast(&big, "templates over 8 MiB are not supported");
    assert_eq!(
        e.to_string(),
        "1:1: file is 52428800 bytes; templates over 8 MiB are not supported (CloudFormation's own limit is 1 MB)"
    );
    assert!(parse(&"#".repeat(MAX_BYTES + 1)).is_err_and(|e| e.message.starts_with("file is")));
}

#[test]
fn truncated_and_mangled_templates_never_panic() {
    let yaml = "Resources:\n  A: &x\n    Type: !If [c, 'q''s', \"d\\\"e\"]\n    P: !Sub\n      - '${X}'\n      - {X: *x}\n  B: |\n    text\n  C: {\"j\": [1, 2.5e3, ü]}\n";
    let json = "{\"Resources\": {\"A\": {\"Type\": \"x\\u00e9\", \"P\": [1, -2.5e-3, true, null, {\"q\": \"\\ud83d\\ude00\"}]}}}";
    for text in [yaml, json] {
        for (cut, _) in text.char_indices() {
            let _ = parse(&text[..cut]);
            let mangled: String = text
                .char_indices()
                .map(|(i, c)| if i == cut { '"' } else { c })
                .collect();
            let _ = parse(&mangled);
        }
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every corpus file parses or fails with an error; nearly all templates parse.
#[test]
fn corpus_sweep() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut files = Vec::new();
    files_under(&root, &mut files);
    files.sort();
    assert!(files.len() > 1000, "corpus missing at {}", root.display());
    let is_template = |p: &Path| {
        matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json" | "template")
        )
    };
    let (mut parsed, mut failed, mut templates, mut templates_parsed) = (0, 0, 0, 0);
    for path in &files {
        let bytes = std::fs::read(path).expect("readable");
        let result = match std::str::from_utf8(&bytes) {
            Ok(text) => parse(text).map_err(|e| e.to_string()),
            Err(e) => Err(format!("not UTF-8: {e}")),
        };
        let template = is_template(path);
        templates += usize::from(template);
        match result {
            Ok(_) => {
                parsed += 1;
                templates_parsed += usize::from(template);
            }
            Err(e) => {
                failed += 1;
                if template {
                    println!("FAIL {}: {e}", path.strip_prefix(&root).unwrap_or(path).display());
                }
            }
        }
    }
    println!("{parsed} parsed, {failed} failed; {templates_parsed} of {templates} templates parsed");
    assert_eq!(parsed + failed, files.len());
    assert!(
        templates_parsed * 100 >= templates * 95,
        "{templates_parsed} of {templates}"
    );
}
