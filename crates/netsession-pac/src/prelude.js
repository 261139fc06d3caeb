// Installed before the PAC library: makes `Date` follow the embedder's clock and time zone.
// Called once with two native functions: `nowMs()` gives the clock's current time in
// milliseconds since the epoch; `offsetMs()` gives the local offset from UTC in milliseconds,
// or `undefined` to keep the engine's own (process) time zone rules.
//
// Returns `definitionLine(f)`: the line where function `f` is defined in the PAC script
// (`pac.js`), or `undefined` for a function defined elsewhere (the library, `eval`, native
// code). The engine keeps it out of the script's reach and uses it to place errors that
// have no stack, such as a result that is not a string. It holds on to QuickJS's own
// `fileName` and `lineNumber` getters and to `Reflect.apply`, taken here before any script
// can replace them.
(function (nowMs, offsetMs) {
    var D = Date, P = D.prototype;
    var getTime = P.getTime, setTime = P.setTime, localOffset = P.getTimezoneOffset;
    var hasZone = /(?:Z|GMT|UTC|UT|[+-]\d\d:?\d\d|\b[ECMP][SD]T)\s*(?:\([^)]*\))?\s*$/i;
    var dateOnly = /^[+-]?\d{4,6}(?:-\d\d){0,2}$/;

    // A date-time string without a zone means local time: the engine read it in the process's
    // zone, so move it to the clock's.
    function parseLocal(text) {
        var t = D.parse(text);
        var o = offsetMs();
        if (o === undefined || t !== t || hasZone.test(text) || dateOnly.test(text.trim())) {
            return t;
        }
        return t - localOffset.call(new D(t)) * 60000 - o;
    }

    function PacDate(year, month, day, hours, minutes, seconds, ms) {
        var n = arguments.length, t;
        if (new.target === undefined) {
            return P.toString.call(new D(nowMs()));
        }
        if (n === 0) {
            t = nowMs();
        } else if (n === 1) {
            t = typeof year === 'string' ? parseLocal(year) : year;
        } else {
            var o = offsetMs();
            if (o === undefined) {
                return Reflect.construct(D, arguments, new.target);
            }
            t = D.UTC.apply(null, arguments) - o;
        }
        return Reflect.construct(D, [t], new.target);
    }
    Object.defineProperty(PacDate, 'name', {value: 'Date'});
    PacDate.prototype = P;
    PacDate.UTC = D.UTC;
    PacDate.parse = function parse(text) { return parseLocal(String(text)); };
    PacDate.now = function now() { return nowMs(); };
    Object.defineProperty(P, 'constructor', {value: PacDate, writable: true, configurable: true});

    function shifted(self, o) {
        return new D(getTime.call(self) + o);
    }
    ['FullYear', 'Month', 'Date', 'Day', 'Hours', 'Minutes', 'Seconds', 'Milliseconds'].forEach(function (name) {
        var local = P['get' + name], utc = P['getUTC' + name];
        P['get' + name] = function () {
            var o = offsetMs();
            if (o === undefined) return local.call(this);
            return utc.call(shifted(this, o));
        };
    });
    P.getTimezoneOffset = function getTimezoneOffset() {
        var o = offsetMs();
        if (o === undefined) return localOffset.call(this);
        var t = getTime.call(this);
        return t !== t ? NaN : -o / 60000;
    };
    if (P.getYear) {
        P.getYear = function getYear() { return P.getFullYear.call(this) - 1900; };
    }
    ['FullYear', 'Month', 'Date', 'Hours', 'Minutes', 'Seconds', 'Milliseconds'].forEach(function (name) {
        var local = P['set' + name], utc = P['setUTC' + name];
        P['set' + name] = function () {
            var o = offsetMs();
            if (o === undefined) return local.apply(this, arguments);
            var t = getTime.call(this);
            // setFullYear on an invalid date starts from local midnight, January 1, 1970.
            var s = new D(t !== t && name === 'FullYear' ? 0 : t + o);
            var r = utc.apply(s, arguments);
            return setTime.call(this, r - o);
        };
    });
    if (P.setYear) {
        P.setYear = function setYear(year) {
            var y = +year;
            if (y !== y) return setTime.call(this, NaN);
            y = Math.trunc(y);
            if (y >= 0 && y <= 99) y += 1900;
            return P.setFullYear.call(this, y);
        };
    }

    var DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    function pad(n, width) {
        var s = String(n);
        while (s.length < width) s = '0' + s;
        return s;
    }
    function year(s) {
        var y = s.getUTCFullYear();
        return y < 0 ? '-' + pad(-y, 6) : pad(y, 4);
    }
    function zone(o) {
        var minutes = Math.abs(o / 60000);
        return 'GMT' + (o < 0 ? '-' : '+') + pad(Math.floor(minutes / 60), 2) + pad(minutes % 60, 2);
    }
    function datePart(s) {
        return DAYS[s.getUTCDay()] + ' ' + MONTHS[s.getUTCMonth()] + ' ' + pad(s.getUTCDate(), 2) + ' ' + year(s);
    }
    function timePart(s, o) {
        return pad(s.getUTCHours(), 2) + ':' + pad(s.getUTCMinutes(), 2) + ':' + pad(s.getUTCSeconds(), 2) + ' ' + zone(o);
    }
    function localeDate(s) {
        return (s.getUTCMonth() + 1) + '/' + s.getUTCDate() + '/' + s.getUTCFullYear();
    }
    function localeTime(s) {
        var h = s.getUTCHours();
        return ((h + 11) % 12 + 1) + ':' + pad(s.getUTCMinutes(), 2) + ':' + pad(s.getUTCSeconds(), 2) + (h < 12 ? ' AM' : ' PM');
    }
    var formats = {
        toString: function (s, o) { return datePart(s) + ' ' + timePart(s, o); },
        toDateString: function (s) { return datePart(s); },
        toTimeString: function (s, o) { return timePart(s, o); },
        toLocaleString: function (s) { return localeDate(s) + ', ' + localeTime(s); },
        toLocaleDateString: function (s) { return localeDate(s); },
        toLocaleTimeString: function (s) { return localeTime(s); }
    };
    Object.keys(formats).forEach(function (name) {
        var local = P[name], format = formats[name];
        P[name] = function () {
            var o = offsetMs();
            if (o === undefined) return local.apply(this, arguments);
            var t = getTime.call(this);
            return t !== t ? 'Invalid Date' : format(new D(t + o), o);
        };
    });

    globalThis.Date = PacDate;
    globalThis.getClientVersion = function getClientVersion() { return '1.0'; };

    var apply = Reflect.apply, describe = Object.getOwnPropertyDescriptor;
    var fileName = describe(Function.prototype, 'fileName').get;
    var lineNumber = describe(Function.prototype, 'lineNumber').get;
    return function definitionLine(f) {
        return apply(fileName, f, []) === 'pac.js' ? apply(lineNumber, f, []) : undefined;
    };
})
