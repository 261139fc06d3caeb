import socket, threading, sys
from cases import CASES
def handle(c):
    data=b""
    while b"\r\n\r\n" not in data:
        d=c.recv(4096)
        if not d: return
        data+=d
    line=data.split(b"\r\n")[0].decode()
    path=line.split(" ")[1]
    # /c/N/rest
    parts=path.split("/",3)
    try: n=int(parts[2])
    except: c.close(); return
    _,cd,ct=CASES[n]
    body=b"hello"
    h=b"HTTP/1.1 200 OK\r\nContent-Type: "+ct.encode()+b"\r\nContent-Length: 5\r\nConnection: close\r\n"
    if cd is not None: h+=b"Content-Disposition: "+cd+b"\r\n"
    c.sendall(h+b"\r\n"+body); c.close()
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind(("127.0.0.1",8893)); s.listen(50)
while True:
    c,_=s.accept(); threading.Thread(target=handle,args=(c,)).start()
