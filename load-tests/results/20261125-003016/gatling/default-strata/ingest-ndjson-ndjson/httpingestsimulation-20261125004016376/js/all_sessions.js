allUsersData = {
    
color: '#FFA900',
name: 'Active Users',
data: [
  [1795567217000,4],[1795567218000,4]
],
tooltip: { yDecimals: 0, ySuffix: '', valueDecimals: 0 }
    , zIndex: 20
    , yAxis: 1
};