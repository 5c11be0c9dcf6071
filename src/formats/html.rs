//! HTML text helpers shared by formats that carry HTML-ish text (isoon, later Slack).
