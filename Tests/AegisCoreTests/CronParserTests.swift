import Testing
import AegisCore

@Suite struct CronParserTests {
    @Test(arguments: [
        ("0 2 * * *", "0 2 * * *"),
        ("  30   4\t* *   sun ", "30 4 * * 0"),
        ("*/15 * * * *", "*/15 * * * *"),
        ("*/1 * */1 * *", "* * * * *"),
        ("0-59/15 * * * *", "0-45/15 * * * *"),
        ("5/20 * * * *", "5-45/20 * * * *"),
        ("1-5,10-20/5,30 * * * *", "1-5,10,15,20,30 * * * *"),
        ("0,30 8-18 * * *", "0,30 8-18 * * *"),
        ("*/15,7 * * * *", "*/15,7 * * * *"),
        ("*/30,15,45 * * * *", "*/15 * * * *"),
        ("*/90 * * * *", "*/60 * * * *"),
        ("0 0 1,15 * MON", "0 0 1,15 * 1"),
        ("0 0 * jan-mar,Dec mon-FRI", "0 0 * 1-3,12 1-5"),
        ("0 12 * 2/3 *", "0 12 * 2-11/3 *"),
        ("0 0 1-31 * *", "0 0 1-31 * *"),
        ("0 0 * * 7", "0 0 * * 0"),
        ("0 0 * * 5-7", "0 0 * * 0,5,6"),
        ("0 0 * * FRI-SUN", "0 0 * * 0,5,6"),
        ("0 0 * * 1/2", "0 0 * * 0,1,3,5"),
        ("0 0 * * */2", "0 0 * * */2"),
        ("0 0 * * */7", "0 0 * * */7"),
        ("00 02 01 01 00", "0 2 1 1 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@HOURLY", "0 * * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@Annually", "0 0 1 1 *"),
    ])
    func testValidExpressions_readBackInNormalizedForm(text: String, normalized: String) throws {
        let expression = try CronExpression(text)
        #expect(expression.description == normalized)
        // The normalized form is itself an expression with the same meaning.
        #expect(try CronExpression(normalized) == expression)
    }

    @Test func testFields_holdTheMatchingValues_andTheStarFlagsThatChangeTheMeaning() throws {
        let expression = try CronExpression("*/20 9-17 * Jul-SEP,dec mon-fri")
        #expect(expression.minute.values == [0, 20, 40])
        #expect(expression.hour.values == Array(9...17))
        #expect(expression.dayOfMonth.isFull && expression.dayOfMonth.isStar)
        #expect(expression.month.values == [7, 8, 9, 12])
        #expect(expression.dayOfWeek.values == [1, 2, 3, 4, 5])
        #expect(expression.minute.isStar && !expression.hour.isStar)
        #expect(expression.isIntervalJob)
        #expect(!expression.daysAreOred)

        let fixed = try CronExpression("0 2 1,15 * 0,7")
        #expect(fixed.dayOfWeek.values == [0])
        #expect(!fixed.isIntervalJob)
        #expect(fixed.daysAreOred)
        // Same sets, different text: `*/1` is a star field, `1-31` a restriction.
        #expect(try CronExpression("0 0 */1 * 1") != CronExpression("0 0 1-31 * 1"))
    }

    @Test(arguments: [
        ("", nil, "expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily, found an empty expression"),
        ("0 2 * *", nil, "expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily, found 4 fields in \"0 2 * *\""),
        ("0 0 2 * * *", nil, "expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily, found 6 fields in \"0 0 2 * * *\""),
        ("@reboot", nil, "@reboot is not supported: aegisd's schedule has no reboot to run at; use a time such as @daily"),
        ("@fortnightly", nil, "@fortnightly is not a known macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)"),
        ("0 24 * * *", CronField.Kind.hour, "hour: 24 is out of range 0-23"),
        ("60 * * * *", .minute, "minute: 60 is out of range 0-59"),
        ("0 0 0 * *", .dayOfMonth, "day-of-month: 0 is out of range 1-31"),
        ("0 0 32 * *", .dayOfMonth, "day-of-month: 32 is out of range 1-31"),
        ("0 0 * 13 *", .month, "month: 13 is out of range 1-12"),
        ("0 0 * * 8", .dayOfWeek, "day-of-week: 8 is out of range 0-7"),
        ("99999999999999999999 * * * *", .minute, "minute: 99999999999999999999 is out of range 0-59"),
        ("0 0 * foo *", .month, "month: \"foo\" is not a number or a month name (JAN-DEC)"),
        ("0 0 * * monday", .dayOfWeek, "day-of-week: \"monday\" is not a number or a day name (SUN-SAT)"),
        ("0 0 * * 1-2-3", .dayOfWeek, "day-of-week: \"2-3\" is not a number or a day name (SUN-SAT)"),
        ("x * * * *", .minute, "minute: \"x\" is not a number"),
        ("0 jan * * *", .hour, "hour: \"jan\" is not a number"),
        ("*/0 * * * *", .minute, "minute: the step in \"*/0\" must be at least 1"),
        ("*/ * * * *", .minute, "minute: \"*/\" has no step after \"/\""),
        ("*/x * * * *", .minute, "minute: the step \"x\" in \"*/x\" is not a number"),
        ("1,,2 * * * *", .minute, "minute: empty item in the list \"1,,2\""),
        ("1, * * * *", .minute, "minute: empty item in the list \"1,\""),
        ("5-1 * * * *", .minute, "minute: the range 5-1 is backwards: its start must not be greater than its end"),
        ("0 0 * DEC-JAN *", .month, "month: the range DEC-JAN is backwards: its start must not be greater than its end"),
        ("*-5 * * * *", .minute, "minute: \"*-5\" is not valid: \"*\" takes only a step, as in \"*/5\""),
        ("1- * * * *", .minute, "minute: \"1-\" is missing a number"),
        ("-1 * * * *", .minute, "minute: \"-1\" is missing a number"),
    ])
    func testInvalidExpressions_nameTheFieldTheTextAndTheReason(text: String, field: CronField.Kind?, message: String) {
        do {
            let expression = try CronExpression(text)
            Issue.record("\"\(text)\" parsed as \(expression)")
        } catch {
            #expect(error.field == field)
            #expect(error.description == message)
        }
    }

    @Test func testAnOutOfRangeValue_isTheErrorsText() {
        #expect(throws: CronParseError(field: .hour, text: "24", reason: "24 is out of range 0-23")) {
            try CronExpression("0 1,24 * * *")
        }
    }
}
